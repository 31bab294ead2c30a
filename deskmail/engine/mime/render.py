"""What the reading pane shows: one call from raw bytes to safe HTML, remote-content flag and attachments."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from deskmail.engine.mime.parse import Attachment, ParsedMessage, parse_message
from deskmail.engine.mime.sanitize import sanitize_html
from deskmail.engine.mime.text import text_to_html

# Only plain raster images become data: URIs; an SVG can carry script and links of its own.
RASTER_TYPES = {"image/png", "image/gif", "image/jpeg", "image/jpg", "image/webp", "image/bmp"}
MAX_EMBEDDED_IMAGE_BYTES = 10_000_000  # total inline-image bytes turned into data: URIs per message


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


def render_message(
    source: bytes | ParsedMessage,
    *,
    allow_remote: bool = False,
    prefer_plain: bool = False,
    embed_images: bool = True,
) -> RenderedMessage:
    """Render a message for the reading pane (see the package docstring for how the UI uses it)."""
    message = source if isinstance(source, ParsedMessage) else parse_message(source)
    shown = [a for a in message.attachments if not a.inline]
    if message.html is None or prefer_plain:
        return RenderedMessage(message, text_to_html(message.text), False, False, False, shown)
    safe = sanitize_html(message.html, allow_remote=allow_remote, cid_urls=_cid_urls(message, embed_images))
    return RenderedMessage(message, safe.html, True, safe.has_remote_content, safe.remote_blocked, shown)
