"""Standard-library-only building blocks shared by every layer."""
