"""Widgets: main window, setup wizard pages, reader, composer, dialogs."""
