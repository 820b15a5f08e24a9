"""Phrasebooks of the demo: YAML templates with alternatives and {slots}, rendered to segments.

A rendered post is a list of segments ``(entity_type, text, href)``: plain text is
``"plain"``, slot values can be Telegram entities (mention, phone, bank_card, text_link...),
which is what a Telegram Desktop export needs. Written here because no templating library
produces entity-annotated output.
"""

from __future__ import annotations

import random
from functools import cache
from importlib import resources
from typing import Any, NamedTuple, Protocol

import regex
import yaml

SLOT = regex.compile(r"\{(\w+)\}")


class Segment(NamedTuple):
    type: str
    text: str
    href: str | None = None


class SlotFiller(Protocol):
    def fill(self, slot: str) -> list[Segment]: ...


@cache
def phrasebook(name: str) -> dict[str, dict[str, list[Any]]]:
    """``data/<name>.yaml`` as kind -> lang -> templates."""
    text = resources.files("narcowatch.demo").joinpath("data", f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def kinds(name: str) -> list[str]:
    return list(phrasebook(name))


def pick_template(name: str, kind: str, lang: str, rng: random.Random) -> Any:
    by_lang = phrasebook(name)[kind]
    options = by_lang.get(lang) or by_lang["ru"]
    return rng.choice(options)


def choose(template: Any, rng: random.Random) -> str:
    """Resolve alternatives: a list of parts, each a string or a list of choices."""
    if isinstance(template, str):
        return template
    out = []
    for part in template:
        out.append(rng.choice(part) if isinstance(part, list) else part)
    # Left-out optional parts can leave double or trailing spaces behind.
    return regex.sub(r"  +", " ", "".join(out)).strip()


def render(text: str, filler: SlotFiller) -> list[Segment]:
    """Split ``text`` at its slots and ask ``filler`` for each slot's segments."""
    segments: list[Segment] = []
    pos = 0
    for match in SLOT.finditer(text):
        if match.start() > pos:
            segments.append(Segment("plain", text[pos : match.start()]))
        segments.extend(filler.fill(match.group(1)))
        pos = match.end()
    if pos < len(text):
        segments.append(Segment("plain", text[pos:]))
    return merge_plain(segments)


def merge_plain(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if out and seg.type == "plain" and out[-1].type == "plain":
            out[-1] = Segment("plain", out[-1].text + seg.text)
        else:
            out.append(seg)
    return out


def flatten(segments: list[Segment]) -> str:
    return "".join(seg.text for seg in segments)
