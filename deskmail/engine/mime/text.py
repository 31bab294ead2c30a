"""Plain text for display: escaped HTML with clickable links, HTML reduced to text, list previews."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

PREVIEW_CHARS = 200

# Links people write in plain text: scheme URLs, bare www. names and e-mail addresses.
_LINK = re.compile(
    r"(?P<url>\b(?:https?|ftp)://[^\s<>\"'`]+|\bwww\.[^\s<>\"'`]+)"
    r"|(?P<mail>\b(?:mailto:)?[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""  # punctuation that ends a sentence rather than the link


def _split_trailing(url: str) -> tuple[str, str]:
    """Keep closing punctuation out of a link, but keep a ')' that balances a '(' inside it."""
    tail = ""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        tail, url = url[-1] + tail, url[:-1]
    return url, tail


def linkify(text: str) -> str:
    """Escape plain text for HTML and turn URLs and addresses into links."""
    out: list[str] = []
    pos = 0
    for match in _LINK.finditer(text):
        out.append(html.escape(text[pos : match.start()]))
        pos = match.end()
        word, tail = _split_trailing(match.group(0))
        if match.group("url"):
            href = word if "://" in word else "https://" + word
        else:
            href = word if word.lower().startswith("mailto:") else "mailto:" + word
        out.append(f'<a href="{html.escape(href)}">{html.escape(word)}</a>{html.escape(tail)}')
    out.append(html.escape(text[pos:]))
    return "".join(out)


def text_to_html(text: str) -> str:
    """A plain-text body as safe HTML: wrapped like the original lines, links clickable."""
    return f'<div class="deskmail-plain" style="white-space: pre-wrap">{linkify(text)}</div>'


_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr"}
_SKIP_TAGS = {"script", "style", "head", "title", "template", "svg", "noscript"}


class _TextExtractor(HTMLParser):
    """Collects visible text, with line breaks where blocks end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(markup: str) -> str:
    """Visible text of an HTML body, for previews, search and quoting in replies."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient, but never let a body break the list
        return re.sub(r"<[^>]*>", " ", markup)
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Lines after which only quoted or signature text follows: signature marks, Outlook's reply header,
# and the start of a uuencoded file pasted into the text.
_END_OF_OWN_TEXT = re.compile(
    r"^(?:--|-- .*|-{3,}\s*original message\s*-{3,}|_{20,}|sent from my \w+.*|begin [0-7]{3,4} \S.*)$", re.IGNORECASE
)
# "wrote:" as mail programs write it in the languages we ship and a few more.
_ATTRIBUTION = re.compile(
    r"(?:\bwrote|\bwrites|\bschrieb|\ba écrit|\bescribió|\bscrisse|\bha scritto|\bescreveu|\bschreef|"
    r"\bnapisał[a]?|\bskrev|\bkirjoitti|\bнаписал[а]?|が書きました|のメッセージ|写道|寫道|كتب)\s*[:：]$",
    re.IGNORECASE,
)


def make_preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """One line for the message list: the start of what the sender wrote, quotes and signatures left out."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if _END_OF_OWN_TEXT.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        # "On Mon, 3 May, Bob <b@x> wrote:", maybe wrapped over two lines
        if stripped.endswith(":") and _ATTRIBUTION.search(stripped):
            if kept and kept[-1].startswith("On ") and not stripped.startswith("On "):
                kept.pop()
            continue
        if stripped:
            kept.append(stripped)
        if sum(len(k) for k in kept) > limit:
            break
    preview = re.sub(r"\s+", " ", " ".join(kept)).strip()
    return preview[: limit - 1] + "…" if len(preview) > limit else preview


def unflow(text: str, delsp: bool = False) -> str:
    """Join format=flowed (RFC 3676) soft line breaks into paragraphs that wrap in the reading pane."""
    out: list[str] = []
    current: str | None = None
    depth = 0
    for line in text.split("\n"):
        line_depth = len(line) - len(line.lstrip(">"))
        content = line[line_depth:]
        content = content[1:] if content.startswith(" ") else content  # undo space-stuffing
        if current is not None and line_depth != depth:
            out.append(_quoted(depth, current))  # a quote level change ends the paragraph
            current = None
        current, depth = (current or "") + content, line_depth
        if content.endswith(" ") and content != "-- ":  # soft break: the paragraph goes on
            current = current[:-1] if delsp else current
            continue
        out.append(_quoted(depth, current))
        current = None
    if current is not None:
        out.append(_quoted(depth, current))
    return "\n".join(out)


def _quoted(depth: int, text: str) -> str:
    return (">" * depth + " " + text) if depth else text
