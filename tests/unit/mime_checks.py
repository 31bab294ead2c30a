"""Shared assertion: a sanitised HTML string has no code and loads nothing from the network."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "meta",
    "link",
    "base",
    "style",
    "svg",
    "math",
    "textarea",
    "select",
}
_REMOTE = re.compile(r"(?:https?:)?//", re.IGNORECASE)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            loads = name in ("src", "srcset", "background", "poster", "data", "action", "formaction")
            if loads and value and not value.lower().startswith(("data:image/", "cid:")):
                self.problems.append(f"{name}={value[:60]}")
            if name == "style" and re.search(r"url\s*\(|expression|javascript|@import", value, re.IGNORECASE):
                self.problems.append(f"style={value[:60]}")
            if name == "href" and value.lower().startswith(("javascript:", "vbscript:", "data:")):
                self.problems.append(f"href={value[:60]}")
        if tag == "img" and any(n == "src" and _REMOTE.match((v or "").strip()) for n, v in attrs):
            self.problems.append("remote image")


def assert_safe_html(html: str) -> None:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.problems == [], checker.problems[:5]
