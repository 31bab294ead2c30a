"""Set up your phone too: the window with the QR code, the iPhone profile and the printable card."""
