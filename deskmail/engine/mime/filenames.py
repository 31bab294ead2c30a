"""Attachment file names made safe to save: no paths, no control or odd characters, no reserved names."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

MAX_NAME_BYTES = 200  # well under every file system's 255-byte limit, leaving room for " (2)" suffixes

# Windows refuses these as file names whatever the extension ("CON.txt" is the console).
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{p}{n}" for p in ("COM", "LPT") for n in "123456789"}

# Extensions that run code when opened from a file manager on some desktop: warn before opening.
_EXECUTABLE_WORDS = """
exe com bat cmd scr pif msi msp mst cpl dll sys drv ocx lnk url scf inf reg hta chm js jse vbs vbe
wsf wsh wsc ps1 ps1xml ps2 psm1 psc1 msh msh1 msh2 mshxml jar class app command tool pkg dmg
workflow action sh bash csh ksh zsh run elf appimage deb rpm apk ipa xbap application gadget
library-ms settingcontent-ms desktop py pyw pl rb php iso img vhd vhdx docm xlsm pptm dotm xltm potm
ppsm sldm xlam ppam one
"""
EXECUTABLE_EXTENSIONS = frozenset(_EXECUTABLE_WORDS.split())
_EXECUTABLE_TYPES = (
    "application/x-msdownload",
    "application/x-executable",
    "application/x-dosexec",
    "application/x-sh",
    "application/x-msdos-program",
    "application/java-archive",
    "application/hta",
    "application/x-ms-shortcut",
    "application/vnd.microsoft.portable-executable",
)

# Path separators and characters Windows, macOS or Linux file managers refuse or misread.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def _is_odd(ch: str) -> bool:
    """Invisible or direction-changing characters that disguise a name ("invoice\u202egpj.exe")."""
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def clean_filename(name: str | None, content_type: str = "application/octet-stream") -> str:
    """A safe base name for saving an attachment; invents one from the type when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]  # never let a name choose the folder
    text = "".join("_" if _FORBIDDEN.match(ch) else ch for ch in text if not _is_odd(ch))
    text = re.sub(r"\s+", " ", text).strip(" .")  # Windows drops trailing dots and spaces silently
    if not text:
        text = _invented_name(content_type)
    stem, dot, _ext = text.rpartition(".")
    base = stem if dot else text
    if base.split(".")[0].upper().strip() in _RESERVED:
        text = "_" + text
    return _limit_length(text)


# Names for nameless parts whose type says more than "attachment.bin".
_NAMES_BY_TYPE = {
    "message/rfc822": "message.eml",
    "message/delivery-status": "delivery-status.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "text/rfc822-headers": "headers.txt",
    "message/partial": "message-part.bin",
    "application/ms-tnef": "winmail.dat",
    "application/pgp-signature": "signature.asc",
    "application/pkcs7-signature": "smime.p7s",
    "text/calendar": "invite.ics",
}


def _invented_name(content_type: str) -> str:
    ctype = content_type.lower()
    if ctype in _NAMES_BY_TYPE:
        return _NAMES_BY_TYPE[ctype]
    if ctype == "text/plain":
        return "attachment.txt"
    return "attachment" + (mimetypes.guess_extension(ctype, strict=False) or ".bin")


def _limit_length(name: str) -> str:
    """Shorten to MAX_NAME_BYTES of UTF-8, keeping a short extension so the file still opens right."""
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = f".{ext}" if dot and stem and len(ext) <= 16 else ""
    base = stem if suffix else name
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    while len(base.encode("utf-8")) > budget:
        base = base[:-1]
    return base.rstrip(" .") + suffix


def is_executable(filename: str, content_type: str = "") -> bool:
    """True if opening the file could run code: the UI warns before opening it."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    return ext in EXECUTABLE_EXTENSIONS or content_type.lower() in _EXECUTABLE_TYPES
