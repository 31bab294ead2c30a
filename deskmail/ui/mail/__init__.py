"""The mail window's widgets: folders, message list, reading pane, composer, bars."""
