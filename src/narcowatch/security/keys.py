"""Secret keys: from the settings, or generated once into the data directory (mode 0600).

A generated key is reused on every start, so sessions survive restarts; it never leaves
the data directory and is never written to the database.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from narcowatch.errors import SecurityError
from narcowatch.settings import Settings

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"


def ensure_key_file(path: Path, nbytes: int = 32) -> str:
    """Read the key in ``path``, creating it (exclusively, mode 0600) if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(nbytes))
        log.info("generated a new key in %s", path)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 16:
        raise SecurityError(f"key file {path} is empty or too short; delete it", code="E503")
    if path.stat().st_mode & 0o077:
        log.warning("key file %s is readable by other users; chmod 600 it", path)
    return key


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies and CSRF tokens."""
    if settings.secret_key:
        return settings.secret_key
    return ensure_key_file(settings.data_dir / SECRET_KEY_FILE)
