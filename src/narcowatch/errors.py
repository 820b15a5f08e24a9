"""One root exception with coded, actionable messages.

Codes are grouped by area so that a user (or a log search) can tell at a glance
where a problem comes from: E1xx ingest, E2xx classify, E3xx extract, E4xx store,
E5xx security, E6xx pipeline, E7xx web/api, E8xx trace, E9xx cases/evidence.
"""

from __future__ import annotations

from typing import Any


class NarcowatchError(Exception):
    """Base of every error narcowatch raises on purpose."""

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        if code:
            self.code = code
        self.message = message
        self.details = details
        super().__init__(f"{self.code}: {message}")


class IngestError(NarcowatchError):
    """A source or an import file could not be read."""

    code = "E100"


class ClassifyError(NarcowatchError):
    code = "E200"


class ExtractError(NarcowatchError):
    code = "E300"


class StoreError(NarcowatchError):
    code = "E400"


class SecurityError(NarcowatchError):
    code = "E500"


class PipelineError(NarcowatchError):
    code = "E600"


class WebError(NarcowatchError):
    code = "E700"


class TraceError(NarcowatchError):
    code = "E800"


class CaseError(NarcowatchError):
    code = "E900"


class DropItem(Exception):  # the name scrapy users know
    """Raised by a pipeline stage to drop an item on purpose (not an error)."""
