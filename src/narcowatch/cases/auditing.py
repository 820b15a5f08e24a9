"""One call for every audited change in the cases area, so none forgets an argument."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from narcowatch.security import audit as audit_log


def audit(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append to the hash-chained audit log inside the caller's transaction."""
    audit_log.record(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
