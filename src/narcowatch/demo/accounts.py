"""The demo's logins: an analyst and a supervisor with random passwords kept in a file.

``<data_dir>/demo-login.txt`` (owner-only) holds the passwords so that a second
``narcowatch demo`` prints the same login; if the file is lost, the passwords are reset.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from narcowatch.runtime import Runtime
from narcowatch.security.users import add_user, authenticate, get_user, set_password

LOGIN_FILE = "demo-login.txt"
DEMO_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("demo", "analyst"),
    ("demo-supervisor", "supervisor"),
)
HEADER = "# narcowatch demo logins (SYNTHETIC demo data only): username role password\n"


@dataclass
class DemoLogin:
    username: str
    role: str
    password: str
    created: bool = False


def read_logins(path: Path) -> dict[str, str]:
    """username -> password from the login file (empty if there is none)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            found[parts[0]] = parts[2]
    return found


def write_logins(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for login in logins:
            fh.write(f"{login.username} {login.role} {login.password}\n")
    os.replace(tmp, path)


def ensure_demo_users(runtime: Runtime) -> tuple[list[DemoLogin], Path]:
    """Create the demo accounts once; reuse the passwords on later runs."""
    path = Path(runtime.settings.data_dir) / LOGIN_FILE
    known = read_logins(path)
    logins: list[DemoLogin] = []
    with runtime.db.session() as session:
        for username, role in DEMO_ACCOUNTS:
            password = known.get(username) or secrets.token_urlsafe(12)
            user = get_user(session, username)
            if user is None:
                add_user(session, username, password, role, actor="demo")
                logins.append(DemoLogin(username, role, password, created=True))
                continue
            if authenticate(session, username, password) is None:
                # The file was lost or edited: give the account a password we can print.
                password = secrets.token_urlsafe(12)
                set_password(session, user, password, actor="demo")
            logins.append(DemoLogin(username, role, password))
    if {lg.username: lg.password for lg in logins} != known:
        write_logins(path, logins)
    return logins, path
