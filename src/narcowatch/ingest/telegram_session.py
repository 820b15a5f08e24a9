"""Where the Telethon session lives: a plain SQLite file, or encrypted at rest.

The session holds the account's auth key: whoever copies it is logged in as the operator.
With ``telegram_session_key`` set (a passphrase kept outside the data directory, e.g. in
the environment from a secrets manager) the session is a Telethon ``StringSession``
sealed with AES-256-GCM under a scrypt-derived key, so a stolen data directory or backup
does not give the account away. Without it, Telethon's own SQLite session file is used.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES

from narcowatch.errors import IngestError
from narcowatch.settings import Settings

MAGIC = b"NWTS1"
SQLITE_MAGIC = b"SQLite format 3"


def session_path(settings: Settings) -> Path:
    return Path(settings.telegram_session or Path(settings.data_dir) / "telegram.session")


def _key(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(passphrase.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def seal(passphrase: str, text: str) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    cipher = AES.new(_key(passphrase, salt), AES.MODE_GCM, nonce=nonce)
    body, tag = cipher.encrypt_and_digest(text.encode())
    return MAGIC + salt + nonce + body + tag


def unseal(passphrase: str, blob: bytes) -> str:
    if not blob.startswith(MAGIC):
        raise IngestError("the Telegram session file is not an encrypted session", code="E176")
    salt, nonce = blob[5:21], blob[21:33]
    cipher = AES.new(_key(passphrase, salt), AES.MODE_GCM, nonce=nonce)
    try:
        return cipher.decrypt_and_verify(blob[33:-16], blob[-16:]).decode()
    except ValueError as exc:
        raise IngestError("wrong telegram_session_key for the session file", code="E176") from exc


def open_session(settings: Settings) -> Any:
    """What ``TelegramClient`` takes as its session: a file name or a ``StringSession``."""
    from telethon.sessions import StringSession

    path = session_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not settings.telegram_session_key:
        return str(path)
    if not path.exists():
        return StringSession()
    blob = path.read_bytes()
    if blob.startswith(SQLITE_MAGIC):
        raise IngestError(
            f"{path} is a plain session while telegram_session_key is set; log in again",
            code="E176",
        )
    return StringSession(unseal(settings.telegram_session_key, blob))


def store_session(settings: Settings, session: Any) -> None:
    """Write an encrypted session back (atomically, mode 0600); plain files save themselves."""
    from telethon.sessions import StringSession

    if not settings.telegram_session_key or not isinstance(session, StringSession):
        return
    path = session_path(settings)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(seal(settings.telegram_session_key, StringSession.save(session)))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
