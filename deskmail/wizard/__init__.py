"""The account setup flow as a Qt-free state machine."""
