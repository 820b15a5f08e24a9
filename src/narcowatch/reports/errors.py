"""Coded errors of the citizen-reporting area (E170-E189, inside the ingest range)."""

from __future__ import annotations

from narcowatch.errors import IngestError


class ReportError(IngestError):
    """A report cannot be accepted as given; the message says what to change."""

    code = "E170"


# The codes, so that front doors can map them to translated messages.
BAD_KIND = "E170"
EMPTY_REPORT = "E171"
FILE_TOO_LARGE = "E172"
NOT_AN_IMAGE = "E173"
TOO_MANY_REPORTS = "E174"
UNKNOWN_REPORT = "E175"
BAD_LOCATION = "E176"
BAD_STATUS = "E177"
TEXT_TOO_LONG = "E178"
BAD_CAMPAIGN = "E179"
