"""Cases in the style of other extractors' public suites (iocextract, ioc-finder, urlextract).

Defanged schemes, slashes and dots, IPv6 hosts, links wrapped in brackets, quotes and
Markdown, trailing punctuation, new gTLDs, punycode both ways, percent-encoding, obfuscated
e-mails, and the usual false positives (file names, versions, abbreviations) that must stay out.
"""

from __future__ import annotations

import pytest

from narcowatch.extract.registry import extract_all


def found(text: str, *types: str) -> list[str]:
    return [h.value for h in extract_all(text) if h.type in types]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("see http://[2001:db8::1]/path.", "http://[2001:db8::1]/path"),
        ("hxxp://[2001:DB8:0:0:0:0:0:1]/a", "http://[2001:db8::1]/a"),
        ("https://[::1]:443/", "https://[::1]:443/"),
        ("hxxp://example[.]com[/]path", "http://example.com/path"),
        ("example[.]com[/]x[/]y", "example.com/x/y"),
        ("hxxps[:]//example[.]com/a", "https://example.com/a"),
        ("http[:]//example.com/a", "http://example.com/a"),
        ("hxxps[://]evil.com/x", "https://evil.com/x"),
        ("HXXPS://EXAMPLE[.]COM/A", "https://example.com/A"),
        ("h**ps://evil.com/x", "https://evil.com/x"),
        ("fxp://files.example.com/a", "ftp://files.example.com/a"),
        ("evil(.)com/x", "evil.com/x"),
        ("evil{.}com/x", "evil.com/x"),
        ("[docs](https://example.com/a)", "https://example.com/a"),
        ("(https://example.com/x)", "https://example.com/x"),
        ('"https://example.com/x"', "https://example.com/x"),
        ("'https://example.com/x'", "https://example.com/x"),
        ("<https://example.com/x>", "https://example.com/x"),
        ("«https://example.com/x»", "https://example.com/x"),
        ("go https://example.com/x, now", "https://example.com/x"),
        ("go https://example.com/x.", "https://example.com/x"),
        ("go https://example.com/x!", "https://example.com/x"),
        ("https://example.com/x?q=1&b=2#top", "https://example.com/x?q=1&b=2#top"),
        (
            "(see https://en.wikipedia.org/wiki/Foo_(bar))",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
        ),
        (
            "https://example.com/%D0%BF%D1%83%D1%82%D1%8C",
            "https://example.com/%D0%BF%D1%83%D1%82%D1%8C",
        ),
        ("https://example.com/a%20b?x=%2F", "https://example.com/a%20b?x=%2F"),
        ("https://xn--e1afmkfd.xn--p1ai/x", "https://пример.рф/x"),
        ("http://ПРИМЕР.РФ/путь", "http://пример.рф/путь"),
        ("http://user:pass@example.com:8080/x", "http://user:pass@example.com:8080/x"),
        ("hxxp://1.2.3[.]4/x", "http://1.2.3.4/x"),
        ("ftp://ftp.example.com/file.txt", "ftp://ftp.example.com/file.txt"),
    ],
)
def test_urls(text: str, expected: str) -> None:
    assert found(text, "url") == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shop.app", "shop.app"),
        ("заходи на zakladki.store сегодня", "zakladki.store"),
        ("magaz.top и всё", "magaz.top"),
        ("my.shop", "my.shop"),
        ("сайт.онлайн", "сайт.онлайн"),
        ("дүкен.қаз", "дүкен.қаз"),
        ("xn--80aswg.xn--p1ai", "сайт.рф"),
        ("САЙТ.РФ", "сайт.рф"),
        ("www[.]example[.]com", "www.example.com"),
        ("example[dot]com", "example.com"),
        ("example(dot)com", "example.com"),
        ("example{.}com", "example.com"),
    ],
)
def test_domains(text: str, expected: str) -> None:
    assert found(text, "domain") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "open notes.txt, archive.zip and script.py",
        "version 1.2.3, pi is 3.14",
        "e.g. i.e. т.е. и т.д.",
        "[::1] and [2001:db8::1] without a scheme",
        "hxxp://[12345::1]/x",
        "192.168.1.1 and 10.0.0.1",
        "пример.испытание",
        "user@example.com",
    ],
)
def test_no_links(text: str) -> None:
    assert found(text, "url", "domain") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user[at]example[.]com", "user@example.com"),
        ("user(at)example(.)com", "user@example.com"),
        ("user[@]example.com", "user@example.com"),
        ("user(@)example.com", "user@example.com"),
        ("user {at} example {dot} com", "user@example.com"),
        ("USER@EXAMPLE.COM", "user@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("write to user@example.com.", "user@example.com"),
        ("mailto:user@example.com", "user@example.com"),
        ("<user@example.com>", "user@example.com"),
        ("user@xn--e1afmkfd.xn--p1ai", "user@пример.рф"),
    ],
)
def test_emails(text: str, expected: str) -> None:
    assert found(text, "email") == [expected]


@pytest.mark.parametrize("text", ["user@localhost", "цена @ 500 тг", "a@b"])
def test_no_emails(text: str) -> None:
    assert found(text, "email") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t[.]me[/]shop_kz", "shop_kz"),
        ("hxxps://t[.]me[/]+AbCdEfGhIjKl12", "t.me/+AbCdEfGhIjKl12"),
        ("(https://t.me/shop_kz)", "shop_kz"),
        ("[бот](https://t.me/shop_kz_bot).", "shop_kz_bot"),
    ],
)
def test_telegram_links_defanged_and_wrapped(text: str, expected: str) -> None:
    assert found(text, "telegram") == [expected]
