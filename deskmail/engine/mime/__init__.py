"""MIME for deskmail: parse any real-world message for display, sanitise HTML, and compose outgoing mail.

Reading pane (for the app-shell / UI helpers)::

    from deskmail.engine.mime import render_message

    view = render_message(raw_bytes)                    # or a ParsedMessage from parse_message()
    view.body_html          # ALWAYS safe to display as is: sanitised HTML, or escaped plain text with links
    view.is_html            # False when the message had no HTML part (or prefer_plain=True was asked)
    view.remote_blocked     # True -> show the "Show remote content" bar ...
    render_message(raw_bytes, allow_remote=True)        # ... and re-render like this when the user agrees
    view.attachments        # list[Attachment]: part_id, filename (cleaned), content_type, size, executable
    view.message.attachment_data(part_id) -> bytes      # for "Save" / "Open" (warn first if .executable)
    view.message.subject / .sender / .to / .cc / .date / .headers / .preview / .text

Nothing in `body_html` runs code or fetches from the network unless `allow_remote=True`: scripts,
event handlers, forms, frames and objects are removed; http(s) images become a 1x1 local placeholder;
CSS url(), srcset and background attributes are dropped. Inline `cid:` images are embedded as data:
URIs (pass `embed_images=False` to keep `cid:` URLs and resolve them yourself with
`message.inline_images()` + `attachment_data`). Links (<a href>) keep http(s)/mailto/tel targets:
open them in the system browser, never inside the pane. `prefer_plain=True` shows the text part.

Stored bodies on disk: `parse_message_file(path)` keeps parts over 1 MB in the file (a 50 MB
attachment never sits in memory); `message.save_attachment(part_id, open_file)` streams them out.
Attached messages (message/rfc822: forwards, bounced originals) are rendered below the body and
also listed as "<subject>.eml" attachments. Inline images (cid:) are not in `view.attachments`.
Uuencoded files in plain text become attachments with ids like "1.uu1" (local only, not IMAP part
numbers); every other `part_id` is the IMAP part number (BODY[part_id]).

The message list and search use `parse_message(raw).preview` (one line), `.text` and the headers.

Composing: `compose.py` (`OutgoingMessage`, `AttachmentFile`, `build_message`), `reply.py`
(`reply(original, me=..., reply_all=...)`, `forward(original, raw, me=..., inline=...)`,
`edit_draft(parsed_draft, me=...)` to reopen a draft with its Message-ID), `addresses.py`
(`parse_recipients(field_text)` raising `RecipientError` with `.invalid`, `format_recipients`).
Sending and drafts: `deskmail.engine.smtp`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskmail.engine.mime.decode import Address
    from deskmail.engine.mime.parse import Attachment, ParsedMessage, parse_message, parse_message_file
    from deskmail.engine.mime.render import RenderedMessage, render_message
    from deskmail.engine.mime.sanitize import SanitizedHtml, sanitize_html

# Loaded on first use (PEP 562): importing one submodule (addresses, compose) must not pull in the
# parser, nh3 and the renderer, which the app's start does not need.
_HOME = {
    "Address": "decode",
    "Attachment": "parse",
    "ParsedMessage": "parse",
    "parse_message": "parse",
    "parse_message_file": "parse",
    "RenderedMessage": "render",
    "render_message": "render",
    "SanitizedHtml": "sanitize",
    "sanitize_html": "sanitize",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Address",
    "Attachment",
    "ParsedMessage",
    "RenderedMessage",
    "SanitizedHtml",
    "parse_message",
    "parse_message_file",
    "render_message",
    "sanitize_html",
]
