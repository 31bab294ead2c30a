"""Deceptive links: text naming one domain, link going to another (no Qt; the reader asks before opening)."""

from __future__ import annotations

import pytest

from deskmail.engine.mime.links import deceptive_link, named_host


@pytest.mark.parametrize(
    ("text", "href", "says", "goes_to"),
    [
        ("paypal.com", "https://paypa1-secure.example/login", "paypal.com", "paypa1-secure.example"),
        (
            "https://www.paypal.com/signin",
            "http://paypal.com.evil-site.net/x",
            "www.paypal.com",
            "paypal.com.evil-site.net",
        ),
        ("www.bank.co.uk", "https://bank.co.uk.attacker.ru/", "www.bank.co.uk", "bank.co.uk.attacker.ru"),
        ("PayPal.com ", "HTTPS://PAYPAL.EVIL.ORG", "paypal.com", "paypal.evil.org"),
        ("<paypal.com>", "https://10.0.0.1/", "paypal.com", "10.0.0.1"),
        ("club.example.test", "https://club-login.example.net/", "club.example.test", "club-login.example.net"),
        ("paypal.com@evil.example", "https://evil.example", "evil.example", None),
    ],
)
def test_text_naming_another_domain_is_deceptive(text: str, href: str, says: str, goes_to: str | None) -> None:
    found = deceptive_link(text, href)
    if goes_to is None:  # the text itself already names the real host after the @
        assert found is None
        return
    assert found is not None
    assert (found.says, found.goes_to) == (says, goes_to)


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Click here", "https://evil.example/"),  # not a domain: says nothing about where it goes
        ("Read more on our blog", "https://blog.example.org/post"),
        ("paypal.com", "https://www.paypal.com/"),  # same registered domain
        ("www.example.co.uk", "https://shop.example.co.uk/basket"),
        ("report.pdf", "https://files.example.net/report.pdf"),  # a file name, not a domain
        ("version 1.2", "https://example.net/"),
        ("1.2.3", "https://example.net/"),
        ("paypal.com", "mailto:help@evil.example"),  # not a web link: the composer shows the address
        ("paypal.com", "not a url"),
        ("", "https://evil.example/"),
        ("bücher.de", "https://xn--bcher-kva.de/"),  # the same name, once in Unicode, once in its ASCII form
    ],
)
def test_honest_or_unknown_text_does_not_ask(text: str, href: str) -> None:
    assert deceptive_link(text, href) is None


def test_question_words() -> None:
    found = deceptive_link("paypal.com", "https://paypa1-secure.example/")
    assert found is not None
    assert found.question() == "This link says paypal.com but goes to paypa1-secure.example. Open anyway?"


def test_named_host_needs_a_real_top_level_domain() -> None:
    assert named_host("example.com") == "example.com"
    assert named_host("index.html") is None
    assert named_host("a" * 400 + ".com") is None
