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


# Dots escaped as in a regular expression, as threat reports and iocextract's suite write them.
@pytest.mark.parametrize(
    ("text", "types", "expected"),
    [
        ("example\\.com", ("domain",), ["example.com"]),
        ("see www\\.shop\\.kz today", ("domain",), ["www.shop.kz"]),
        ("go to http://example\\.com/a\\.php now", ("url",), ["http://example.com/a.php"]),
        ("hxxps://evil\\.example\\.com/x", ("url",), ["https://evil.example.com/x"]),
        ("user@example\\.com", ("email",), ["user@example.com"]),
        ("user[at]sub\\.example\\.co\\.uk", ("email",), ["user@sub.example.co.uk"]),
    ],
)
def test_backslash_escaped_dots(text: str, types: tuple[str, ...], expected: list[str]) -> None:
    assert found(text, *types) == expected


# A bare IPv4 address with a path is a link (``url``); alone it has no type in the contract.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.168.1.1/admin", "192.168.1.1/admin"),
        ("get 1[.]2[.]3[.]4/evil.exe now", "1.2.3.4/evil.exe"),
        ("10(.)0(.)0(.)1[/]x", "10.0.0.1/x"),
        ("1.2.3.4:8080/login", "1.2.3.4:8080/login"),
        ("hxxps://192[.]168[.]0[.]1:443/x", "https://192.168.0.1:443/x"),
    ],
)
def test_bare_ipv4_with_path_is_a_url(text: str, expected: str) -> None:
    assert found(text, "url") == [expected]


@pytest.mark.parametrize(
    "text",
    ["10.0.0.0/8 is private", "1.2.3.4/", "999.1.1.1/x", "12.10.2023/14", "1[.]2[.]3[.]4"],
)
def test_no_url_from_networks_or_bare_addresses(text: str) -> None:
    assert found(text, "url", "domain") == []


# An IPv4 address written as one 32-bit number: a URL with a scheme, ``meta["ip"]`` dotted.
@pytest.mark.parametrize(
    ("text", "expected", "ip"),
    [
        ("http://3232235777/x", "http://3232235777/x", "192.168.1.1"),
        ("hxxp[:]//3232235777", "http://3232235777", "192.168.1.1"),
        ("open http://user@2130706433:8080/a.", "http://user@2130706433:8080/a", "127.0.0.1"),
    ],
)
def test_integer_ipv4_host(text: str, expected: str, ip: str) -> None:
    [hit] = [h for h in extract_all(text) if h.type == "url"]
    assert (hit.value, hit.meta) == (expected, {"ip": ip})
    assert text[hit.start : hit.end] == hit.raw


@pytest.mark.parametrize("text", ["http://123/x", "3232235777", "http://99999999999/x"])
def test_no_integer_host_out_of_range_or_without_scheme(text: str) -> None:
    assert found(text, "url", "domain") == []


# Wallets and ports as other suites write them (BIP/EIP examples, defanged host with port).
@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "crypto:btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "crypto:btc", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        (
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "crypto:btc",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        ),
        (
            "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe",
            "crypto:eth",
            "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe",
        ),
        ("hxxp://example[.]com:8080/path", "url", "http://example.com:8080/path"),
        ("http://example.com.", "url", "http://example.com"),
    ],
)
def test_other_suites_forms(text: str, kind: str, expected: str) -> None:
    assert found(text, kind) == [expected]
