"""HTML mail made safe to show: an nh3 allow-list, CSS filtered, remote content blocked unless asked for.

Nothing that runs code survives (scripts, event handlers, javascript: URLs, forms, frames, objects,
CSS expressions). Anything the viewer would fetch from the network (http(s) images, srcset,
background attributes, CSS url()) is replaced by a local placeholder or dropped, and the result
says so, so the reading pane can offer "Show remote content".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import nh3

# A 1x1 transparent GIF: blocked images keep their layout box but fetch nothing.
REMOTE_PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
MAX_HTML_CHARS = 4_000_000  # a bigger HTML body is cut: nobody reads it and it would stall the pane

_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "tfoot", "big", "address", "section", "main", "center", "u"}
# Tags removed together with everything inside them (the rest lose only the tag and keep their text).
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "svg",
    "math",
    "object",
    "embed",
    "applet",
    "iframe",
    "frame",
    "frameset",
    "noscript",
    "noembed",
    "noframes",
    "textarea",
    "select",
    "button",
    "audio",
    "video",
    "canvas",
    "xml",
}
_LAYOUT = {"align", "valign", "bgcolor", "width", "height"}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"style", "dir", "lang", "title"} | _LAYOUT,
    "a": {"href", "name"},
    "area": {"href", "alt", "shape", "coords"},
    "img": {"src", "srcset", "alt", "border", "hspace", "vspace"},
    "table": {"border", "cellpadding", "cellspacing", "background", "summary", "frame", "rules"},
    "td": {"colspan", "rowspan", "background", "nowrap", "headers", "scope"},
    "th": {"colspan", "rowspan", "background", "nowrap", "headers", "scope"},
    "tr": {"background"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value", "type"},
    "col": {"span"},
    "colgroup": {"span"},
    "blockquote": {"cite", "type"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "hr": {"size", "noshade"},
    "bdo": {"dir"},
    "map": {"name"},
}
# Links may go out (the user clicks them); data: is only ever kept for inline images (checked below).
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}

# CSS properties that only style; position/transform/content could overlay the window or fake UI.
_STYLE_PROPERTY = re.compile(
    r"^(?:color|background(?:-color|-image|-repeat|-position|-size)?|font(?:-[a-z]+)?|text-[a-z-]+|line-height|"
    r"letter-spacing|word-spacing|white-space|word-wrap|word-break|overflow-wrap|margin(?:-[a-z]+)?|"
    r"padding(?:-[a-z]+)?|border(?:-[a-z-]+)?|(?:max-|min-)?(?:width|height)|display|vertical-align|float|"
    r"clear|list-style(?:-[a-z]+)?|table-layout|border-collapse|border-spacing|caption-side|empty-cells|"
    r"direction|overflow(?:-[xy])?|opacity|outline(?:-[a-z]+)?|box-sizing|visibility|unicode-bidi)$"
)
_CSS_DANGER = ("expression", "javascript:", "vbscript:", "behavior", "binding", "@import", "<", ">", "\\", "/*")
_CSS_URL = re.compile(r"(?:url|image-set|image)\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpe?g|webp|bmp);base64,[a-z0-9+/=\s]*$", re.IGNORECASE)
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
# nh3 serialises every attribute in double quotes and escapes '"' inside values, so these cannot be fooled
# by attribute text; they only ever remove sizes, never add anything.
_IMG_TAG = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>', re.IGNORECASE)
_SIZE_ATTRIBUTE = re.compile(r'\s(?:width|height)="[^"]*"', re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r'(\sstyle=")([^"]*)(")', re.IGNORECASE)
_SIZE_DECLARATION = re.compile(r"(?:^|;)\s*(?:max-|min-)?(?:width|height)\s*:[^;]*", re.IGNORECASE)


@dataclass(frozen=True)
class SanitizedHtml:
    """Safe HTML plus whether it refers to remote content (blocked unless allow_remote was given)."""

    html: str
    has_remote_content: bool
    remote_blocked: bool


class _Filter:
    """nh3 attribute filter: checks every URL-bearing attribute and style, noting remote references."""

    def __init__(self, allow_remote: bool, cid_urls: Mapping[str, str]) -> None:
        self.allow_remote = allow_remote
        self.cid_urls = cid_urls
        self.saw_remote = False

    def __call__(self, tag: str, attr: str, value: str) -> str | None:
        if attr == "src":
            return self._image_url(value)
        if attr == "srcset":
            return self._srcset(value)
        if attr == "background":
            return value if self._remote_allowed(value) else None
        if attr == "style":
            return clean_style(value, self._remote_allowed)
        if attr == "href" and value.strip().lower().startswith(("data:", "cid:")):
            return None  # a data: or cid: link would open attacker-chosen content as a page
        return value

    def _remote_allowed(self, url: str) -> bool:
        """True if a remote URL may stay; records that the message has remote content."""
        if not _REMOTE.match(url):
            return False
        self.saw_remote = True
        return self.allow_remote and url.strip().lower().startswith(("https://", "http://"))

    def _image_url(self, value: str) -> str | None:
        url = value.strip()
        lower = url.lower()
        if lower.startswith("cid:"):
            return self.cid_urls.get(normalise_cid(url[4:]), url)
        if lower.startswith("data:"):
            return url if _SAFE_DATA_IMAGE.match(url) else None
        if _REMOTE.match(url):
            return url if self._remote_allowed(url) else REMOTE_PLACEHOLDER
        return None

    def _srcset(self, value: str) -> str | None:
        urls = [candidate.strip().split()[0] for candidate in value.split(",") if candidate.strip()]
        allowed = [self._remote_allowed(url) for url in urls]
        return value if urls and all(allowed) else None


def clean_style(value: str, remote_allowed: Callable[[str], bool]) -> str | None:
    """Keep only harmless declarations; url() survives only if `remote_allowed` says so."""
    kept: list[str] = []
    for declaration in value.split(";"):
        prop, sep, val = declaration.partition(":")
        prop, val = prop.strip().lower(), val.strip()
        if not sep or not val or not _STYLE_PROPERTY.match(prop):
            continue
        lowered = val.lower()
        if any(bad in lowered for bad in _CSS_DANGER):
            continue
        urls = _CSS_URL.findall(val)
        if ("(" in val and "url" in lowered) or "image" in lowered:
            # every check must run (not short-circuit) so each remote URL is recorded
            verdicts = [remote_allowed(url) for url in urls]
            if not urls or not all(verdicts):
                continue
        kept.append(f"{prop}: {val}")
    return "; ".join(kept) or None


def normalise_cid(cid: str) -> str:
    """Content-ID as a lookup key: without angle brackets, percent-escapes decoded, lower case."""
    from urllib.parse import unquote

    return unquote(cid.strip().strip("<>")).strip().lower()


def sanitize_html(
    markup: str, *, allow_remote: bool = False, cid_urls: Mapping[str, str] | None = None
) -> SanitizedHtml:
    """Sanitise an HTML body; `cid_urls` maps normalised Content-IDs to the URL that shows each part."""
    attribute_filter = _Filter(allow_remote, cid_urls or {})
    cleaned = nh3.clean(
        markup[:MAX_HTML_CHARS],
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=_URL_SCHEMES,
        url_relative="deny",
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
    saw = attribute_filter.saw_remote
    if saw and not allow_remote:
        cleaned = collapse_blocked_images(cleaned)
    return SanitizedHtml(cleaned, has_remote_content=saw, remote_blocked=saw and not allow_remote)


def collapse_blocked_images(html: str) -> str:
    """Drop the width/height of blocked images: a 480x160 banner must not leave a 480x160 hole above the text."""

    def collapse(match: re.Match[str]) -> str:
        tag = match.group(0)
        if f'src="{REMOTE_PLACEHOLDER}"' not in tag:
            return tag
        tag = _SIZE_ATTRIBUTE.sub("", tag)
        return _STYLE_ATTRIBUTE.sub(lambda m: f"{m[1]}{_SIZE_DECLARATION.sub('', m[2]).lstrip('; ')}{m[3]}", tag)

    return _IMG_TAG.sub(collapse, html)
