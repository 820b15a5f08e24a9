"""Every module that declares tables on ``Base``; imported before migrating or comparing.

An area that needs tables of its own adds a ``store/tables_<area>.py`` module here and an
Alembic migration on its own branch (``down_revision = "0001"``, ``branch_labels``);
``migrate`` upgrades all heads.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

TABLE_MODULES: list[str] = [
    "narcowatch.store.tables",
    "narcowatch.store.tables_trace",
    "narcowatch.store.tables_security",
    "narcowatch.store.tables_review",
    "narcowatch.store.tables_reports",
    "narcowatch.store.tables_shops",
    "narcowatch.store.tables_monitoring",
]


def metadata() -> MetaData:
    for module in TABLE_MODULES:
        importlib.import_module(module)
    from narcowatch.store.tables import Base

    return Base.metadata
