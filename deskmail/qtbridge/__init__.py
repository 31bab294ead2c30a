"""QtCore-only glue: background tasks delivering results as signals, item models."""
