"""Deskmail: a desktop e-mail app for people who are not technical."""

__version__ = "0.1.0"
APP_NAME = "Deskmail"
APP_ID = "org.deskmail.Deskmail"
