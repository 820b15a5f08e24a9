"""The three roles and their order: analyst < supervisor < admin."""

from __future__ import annotations

from narcowatch.errors import SecurityError

ROLES: tuple[str, ...] = ("analyst", "supervisor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def check_role(role: str) -> str:
    """Return ``role`` if it is known, else raise a coded error listing the known roles."""
    if role not in _RANK:
        raise SecurityError(
            f"unknown role {role!r} (known: {', '.join(ROLES)})", code="E501", role=role
        )
    return role


def has_role(user_role: str, needed: str) -> bool:
    """True when ``user_role`` is ``needed`` or above it."""
    return _RANK.get(user_role, -1) >= _RANK[check_role(needed)]
