"""E-mail address -> ranked, trust-labelled server settings. No Qt."""
