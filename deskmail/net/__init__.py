"""Network primitives shared by discovery and the engine: name resolution, TLS, sockets."""
