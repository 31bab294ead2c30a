"""A list preview from the first bytes of one text part, as the preview pass fetches it (hostile input).

The pass asks the server for only a prefix of a part (BODY.PEEK[1.2]<0.2048>), still in its
transfer encoding and charset. Everything here expects a cut-off: a base64 group, a
quoted-printable escape, a UTF-8 sequence, an HTML tag or a word may end in the middle.
"""

from __future__ import annotations

import binascii
import codecs
import re

from deskmail.engine.mime.decode import codec_for, decode_bytes
from deskmail.engine.mime.text import _TextExtractor, make_preview

MAX_INPUT = 64 * 1024  # raw bytes looked at, whatever the server sent
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_QP_CUT_ESCAPE = re.compile(rb"=[0-9A-Fa-f]?$")
# Invisible or direction-changing characters: marketing "preheader" padding, and bidi overrides
# that could make a preview read differently from its text.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_OPEN_TAG_AT_END = re.compile(r"<[^>]*$")
_LAST_WORD = re.compile(r"\S+$")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def part_preview(data: bytes, *, subtype: str, charset: str | None, encoding: str | None, truncated: bool) -> str:
    """One line for the message list from the start of a text/plain or text/html part ("" if none)."""
    cut = truncated or len(data) > MAX_INPUT
    raw = transfer_decode(data[:MAX_INPUT], encoding, truncated=cut)
    if not charset and subtype.lower() == "html":
        meta = _META_CHARSET.search(raw[:4096])  # HTML parts often declare it only in the markup
        charset = meta.group(1).decode("ascii") if meta else None
    text = charset_decode(raw, charset, truncated=cut)
    if subtype.lower() == "html":
        text = html_preview_text(_OPEN_TAG_AT_END.sub("", text) if cut else text)
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))  # after HTML: &zwnj; padding is an entity there
    if cut:
        text = _drop_last_word(text)
    return make_preview(text)


def transfer_decode(data: bytes, encoding: str | None, *, truncated: bool = False) -> bytes:
    """Undo Content-Transfer-Encoding leniently; encodings that cannot hold a text part give b""."""
    name = (encoding or "").strip().lower()
    if name == "base64":
        return _base64(data, truncated)
    if name == "quoted-printable":
        if truncated:
            data = _QP_CUT_ESCAPE.sub(b"", data)
        try:
            return binascii.a2b_qp(data)
        except (binascii.Error, ValueError):
            return data
    if name in ("", "7bit", "8bit", "binary"):
        return data
    return b""  # uuencode, x-token encodings: nothing a person could read


def _base64(data: bytes, truncated: bool) -> bytes:
    """Alphabet characters only, up to the first pad; a cut-off group is dropped, never guessed."""
    body = _NOT_BASE64.sub(b"", data.split(b"=", 1)[0])
    usable = len(body) - len(body) % 4
    if len(body) % 4 and not truncated:
        body += b"=" * (-len(body) % 4)
        usable = len(body)
    try:
        return binascii.a2b_base64(body[:usable])
    except (binascii.Error, ValueError):
        return b""


def charset_decode(data: bytes, charset: str | None, *, truncated: bool = False) -> str:
    """Bytes to text in the declared charset (bogus ones fall back); a cut-off sequence at the end is dropped."""
    codec = codec_for(charset) or "utf-8"
    try:
        decoder = codecs.getincrementaldecoder(codec)("strict")
        return str(decoder.decode(data, final=not truncated))
    except (UnicodeError, LookupError, ValueError, TypeError):
        pass
    text = decode_bytes(data, charset)
    return text.rstrip("\ufffd") if truncated else text


class _PreviewExtractor(_TextExtractor):
    """Visible text without quoted replies (<blockquote>, Gmail's and Thunderbird's quote blocks)."""

    _QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted")

    def __init__(self) -> None:
        super().__init__()
        self._quote_divs = 0  # open <div>s inside a quote block, so its end is found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._quote_divs and tag == "div":
            self._quote_divs += 1
        elif tag == "div" and any(c in (dict(attrs).get("class") or "") for c in self._QUOTE_CLASSES):
            self._quote_divs = 1
            self._skip += 1
        elif tag == "blockquote":
            self._skip += 1
        else:
            super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._quote_divs and tag == "div":
            self._quote_divs -= 1
            if not self._quote_divs:
                self._skip = max(0, self._skip - 1)
        elif tag == "blockquote":
            self._skip = max(0, self._skip - 1)
        else:
            super().handle_endtag(tag)


def html_preview_text(markup: str) -> str:
    """Visible text of (the start of) an HTML body, quoted replies left out."""
    parser = _PreviewExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient, but a hostile body must never break the pass
        return re.sub(r"<[^>]*>", " ", markup)
    return "".join(parser.parts)


def _drop_last_word(text: str) -> str:
    """The prefix ended somewhere: a half word at the end would look like a typo (a lone word stays)."""
    if not text or text[-1].isspace():
        return text
    head = _LAST_WORD.sub("", text)
    return head if head.strip() else text
