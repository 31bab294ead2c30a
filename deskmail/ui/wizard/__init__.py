"""The Add-account wizard's Qt pages, driven by the Qt-free state machine in deskmail.wizard."""

from deskmail.ui.wizard.dialog import AccountWizard

__all__ = ["AccountWizard"]
