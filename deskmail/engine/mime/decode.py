"""Tolerant decoding of real-world header and body bytes: bogus charsets, 8-bit headers, encoded words."""

from __future__ import annotations

import codecs
import email.header
import email.utils
import re
from dataclasses import dataclass

from deskmail.engine.mime.jis import decode_jis, looks_like_jis

# Labels mail software writes that Python does not know, mapped to what they mean in practice.
CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-user-defined": "cp1252",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "none": "",
    "iso-8859-1": "cp1252",  # browsers' rule: Latin-1 labels mean Windows-1252
    "latin1": "cp1252",
    "gb2312": "gb18030",  # superset; decodes what GBK-writing mailers actually send
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "euc-kr": "cp949",
    # Microsoft's and others' names for ISO-2022-JP with extensions (decoded by deskmail's own JIS decoder)
    "cp50220": "iso2022_jp_ext",
    "cp50221": "iso2022_jp_ext",
    "cp50222": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp",
    "x-iso-2022-jp": "iso2022_jp",
    "iso-2022-jp-ms": "iso2022_jp_ext",
}

# Longer header values are cut before decoding: no person reads them, and the parsers slow down.
MAX_TEXT_HEADER = 16_000
MAX_ADDRESS_HEADER = 50_000  # about a thousand recipients
_PLAIN_NAME = re.compile(r"[^\x00-\x1f()<>\[\]:;@\\,.\"]+")  # a display name that needs no quotes
_CHARSET_LABEL = re.compile(r"[a-z0-9_.:+-]{1,40}")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n[ \t]")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is missing or bogus."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    name = CHARSET_ALIASES.get(name, name)
    if not name:
        return None
    if not _CHARSET_LABEL.fullmatch(name):
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # Codecs that are not text encodings (e.g. "base64", "rot13") must never be used on mail.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode body or header bytes: the declared charset if real, else UTF-8, else Windows-1252."""
    codec = codec_for(charset)
    if codec is not None:
        try:
            text: str | None = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            text = None
        if codec.startswith("iso2022_jp") and (text is None or "\x0e" in text):
            return decode_jis(data)  # an extension Python's codec refuses (or passes through: SO/SI)
        if text is not None:
            return text
    elif b"\x1b" in data and looks_like_jis(data):  # unlabelled 7-bit Japanese (old mailers)
        return decode_jis(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None:
        return data.decode(codec, errors="replace")
    return data.decode("cp1252", errors="replace")


def fix_8bit(value: str) -> str:
    """Turn surrogate-escaped raw 8-bit header bytes (as the email package leaves them) into text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", errors="surrogateescape"))


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, tolerating bad charsets, bad base64 and words inside quotes."""
    value = fix_8bit(_FOLD.sub(" ", value))
    if "\x1b" in value and value.isascii() and looks_like_jis(value.encode("ascii")):
        value = decode_jis(value.encode("ascii"))  # raw JIS in a header, without encoded words
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except Exception:  # malformed words are common; fall back to a word-by-word decode
        return _ENCODED_WORD.sub(_decode_one_word, value)
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    text = "".join(out)
    # decode_header leaves words that sit inside quoted strings or touch other text: decode those too.
    return _ENCODED_WORD.sub(_decode_one_word, text) if "=?" in text else text


def _decode_one_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
    try:
        if encoding == "b":
            raw = _b64decode_loose(payload)
        else:
            raw = email.header.decode_header(f"=?utf-8?q?{payload}?=")[0][0]
            if isinstance(raw, str):
                raw = raw.encode("latin-1", errors="replace")
    except Exception:  # leave a word we cannot decode as it was written
        return match.group(0)
    return decode_bytes(raw, charset)


def _b64decode_loose(payload: str) -> bytes:
    import base64

    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    cleaned += "=" * (-len(cleaned) % 4)
    return base64.b64decode(cleaned)


def clean_text(value: str) -> str:
    """Header text for display: decoded, one line, without control characters."""
    text = decode_words(value[:MAX_TEXT_HEADER])
    text = "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Address:
    """One mailbox: a display name (may be empty) and an address."""

    name: str
    email: str

    def display(self) -> str:
        """The name if there is one, else the address: how the message list shows a sender."""
        return self.name or self.email

    def formatted(self) -> str:
        """`Name <address>` for headers and the composer, quoted as needed."""
        if not self.name:
            return self.email
        if _PLAIN_NAME.fullmatch(self.name):
            return f"{self.name} <{self.email}>"
        escaped = self.name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{self.email}>'  # formataddr would raise on a non-ASCII address


def parse_address_header(raw: str) -> list[Address]:
    """Addresses from a raw header value; names are decoded after splitting so commas in them are safe."""
    unfolded = fix_8bit(_FOLD.sub(" ", raw[:MAX_ADDRESS_HEADER]))
    try:
        pairs = email.utils.getaddresses([unfolded])
    except Exception:  # the stdlib parser has raised on hostile input before
        pairs = []
    out: list[Address] = []
    for name, addr in pairs:
        name, addr = clean_text(name).strip("\"' "), clean_text(addr)
        if name or addr:
            out.append(Address(name if name != addr else "", addr))
    return out
