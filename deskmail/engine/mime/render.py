"""What the reading pane shows: one call from raw bytes to safe HTML, remote-content flag and attachments."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from deskmail.core.i18n import pgettext
from deskmail.engine.mime.parse import Attachment, ParsedMessage, parse_message
from deskmail.engine.mime.sanitize import sanitize_html
from deskmail.engine.mime.text import text_to_html

# Only plain raster images become data: URIs; an SVG can carry script and links of its own.
RASTER_TYPES = {"image/png", "image/gif", "image/jpeg", "image/jpg", "image/webp", "image/bmp"}
MAX_EMBEDDED_IMAGE_BYTES = 10_000_000  # total inline-image bytes turned into data: URIs per message
MAX_ATTACHED_BYTES = 2_000_000  # attached messages up to this size are shown below the body
MAX_ATTACHED_SHOWN = 5
MAX_ATTACHED_DEPTH = 3  # a message in a message in a message; deeper ones stay attachments


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready to display. `body_html` is always safe to hand to a renderer as it is."""

    message: ParsedMessage
    body_html: str
    is_html: bool  # False: body_html is the escaped plain text with links
    has_remote_content: bool
    remote_blocked: bool  # True: show a "Show remote content" bar; re-render with allow_remote=True
    attachments: list[Attachment]  # what to list under the body (inline images shown in the body left out)


def _cid_urls(message: ParsedMessage, embed: bool) -> dict[str, str]:
    urls: dict[str, str] = {}
    budget = MAX_EMBEDDED_IMAGE_BYTES
    for cid, image in message.inline_images().items():
        if not embed or image.size > budget or image.content_type.lower() not in RASTER_TYPES:
            urls[cid] = f"cid:{cid}"
            continue
        budget -= image.size
        encoded = base64.b64encode(message.attachment_data(image.part_id)).decode("ascii")
        urls[cid] = f"data:{image.content_type};base64,{encoded}"
    return urls


def _attached_header(message: ParsedMessage) -> str:
    """The From/Date/Subject lines above an attached message shown in the body, escaped."""
    # The labels read like the reader's own header (translated); the date stays in the RFC 5322 style.
    rows = [
        (pgettext("header", "From"), ", ".join(a.formatted() for a in message.sender)),
        (pgettext("header", "Date"), message.date.strftime("%a, %d %b %Y %H:%M %z") if message.date else ""),
        (pgettext("header", "Subject"), message.subject),
        (pgettext("header", "To"), ", ".join(a.formatted() for a in message.to)),
    ]
    return "".join(f"<div><b>{label}:</b> {html.escape(value)}</div>" for label, value in rows if value)


def _attached_messages(message: ParsedMessage, options: _Options, depth: int) -> tuple[str, bool, bool]:
    """Forwarded or bounced messages (message/rfc822 parts) rendered below the body, like other mailers do."""
    blocks: list[str] = []
    remote = blocked = False
    attached = [a for a in message.attachments if a.content_type == "message/rfc822" and a.size <= MAX_ATTACHED_BYTES]
    for attachment in attached[:MAX_ATTACHED_SHOWN] if depth < MAX_ATTACHED_DEPTH else []:
        inner = _render(parse_message(message.attachment_data(attachment.part_id)), options, depth + 1)
        remote, blocked = remote or inner.has_remote_content, blocked or inner.remote_blocked
        blocks.append(
            '<div class="deskmail-attached-message" style="border-left: 3px solid #8a8a8a; '
            f'padding-left: 8px; margin-top: 16px">{_attached_header(inner.message)}<br>{inner.body_html}</div>'
        )
    return "".join(blocks), remote, blocked


@dataclass(frozen=True)
class _Options:
    allow_remote: bool
    prefer_plain: bool
    embed_images: bool


def _render(message: ParsedMessage, options: _Options, depth: int) -> RenderedMessage:
    shown = [a for a in message.attachments if not a.inline]
    extra, extra_remote, extra_blocked = _attached_messages(message, options, depth)
    if message.html is None or options.prefer_plain:
        body = text_to_html(message.text) + extra
        return RenderedMessage(message, body, False, extra_remote, extra_blocked, shown)
    cid_urls = _cid_urls(message, options.embed_images)
    safe = sanitize_html(message.html, allow_remote=options.allow_remote, cid_urls=cid_urls)
    remote, blocked = safe.has_remote_content or extra_remote, safe.remote_blocked or extra_blocked
    return RenderedMessage(message, safe.html + extra, True, remote, blocked, shown)


def render_message(
    source: bytes | ParsedMessage,
    *,
    allow_remote: bool = False,
    prefer_plain: bool = False,
    embed_images: bool = True,
) -> RenderedMessage:
    """Render a message for the reading pane (see the package docstring for how the UI uses it)."""
    message = source if isinstance(source, ParsedMessage) else parse_message(source)
    return _render(message, _Options(allow_remote, prefer_plain, embed_images), 0)
