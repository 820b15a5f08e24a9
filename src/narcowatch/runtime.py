"""The handles every front door needs: settings, database and blob store, opened once."""

from __future__ import annotations

from dataclasses import dataclass

from narcowatch.settings import Settings, load_settings
from narcowatch.store.blobs import BlobStore
from narcowatch.store.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: BlobStore

    @classmethod
    def open(cls, settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
        settings = settings or load_settings()
        db = Database(settings)
        if migrate:
            db.init()
        return cls(settings=settings, db=db, blobs=BlobStore(settings.blob_dir))

    def close(self) -> None:
        self.db.dispose()
