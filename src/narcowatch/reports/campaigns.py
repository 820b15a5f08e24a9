"""Poster campaigns: a deep-link code (what the QR code carries) and the region it serves."""

from __future__ import annotations

import regex
from sqlalchemy.orm import Session

from narcowatch.reports.errors import BAD_CAMPAIGN, ReportError
from narcowatch.reports.kinds import REGIONS
from narcowatch.store.tables_reports import ReportCampaignRecord

# Telegram allows A-Z, a-z, 0-9, _ and - in a /start payload, up to 64 characters.
CODE_RE = regex.compile(r"^[A-Za-z0-9_-]{1,60}$")


def check_code(code: str) -> str:
    if not CODE_RE.match(code or ""):
        raise ReportError(
            f"campaign code {code!r} must be 1-60 letters, digits, '_' or '-'", code=BAD_CAMPAIGN
        )
    return code


def deep_link(bot_name: str, code: str) -> str:
    """The link a QR poster carries: it opens the bot with ``/start <code>``."""
    return f"https://t.me/{bot_name.lstrip('@')}?start={check_code(code)}"


def upsert_campaign(
    session: Session, code: str, region: str | None = None, title: str = ""
) -> ReportCampaignRecord:
    check_code(code)
    if region is not None and region not in REGIONS:
        raise ReportError(
            f"unknown region {region!r}; one of: {', '.join(REGIONS)}", code=BAD_CAMPAIGN
        )
    rec = session.get(ReportCampaignRecord, code)
    if rec is None:
        rec = ReportCampaignRecord(code=code, region=region, title=title)
        session.add(rec)
    else:
        rec.region = region or rec.region
        rec.title = title or rec.title
    return rec


def campaign_from_payload(payload: str | None) -> str | None:
    """The campaign code of a ``/start`` payload, or None if absent or malformed."""
    if payload and CODE_RE.match(payload):
        return payload
    return None
