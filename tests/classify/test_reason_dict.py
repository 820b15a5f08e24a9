"""Reasons are stored as dicts: the hand-written ``to_dict`` must keep every field."""

from dataclasses import asdict

from narcowatch.classify.base import Reason


def test_to_dict_has_every_field() -> None:
    reason = Reason("меф", "substance", 2.0, 3, 6, "slang")
    assert reason.to_dict() == asdict(reason)
