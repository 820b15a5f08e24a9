"""Where the project's own data (lexicons, corpora, reference lists) lives.

In a source checkout it is the repository's ``data/`` folder; in a wheel the same folder
is shipped inside the package as ``narcowatch/_data``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    shipped = _PACKAGE / "_data"
    if shipped.is_dir():
        return shipped
    return _PACKAGE.parents[1] / "data"
