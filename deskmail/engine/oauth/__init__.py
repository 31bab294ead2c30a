"""OAuth2 browser sign-in for providers that need it (RFC 6749, 7636 PKCE, 8252 native apps, 7628 SASL)."""
