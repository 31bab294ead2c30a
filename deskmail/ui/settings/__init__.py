"""The Settings window (Edit › Settings…, Ctrl+,; the application menu on macOS)."""
