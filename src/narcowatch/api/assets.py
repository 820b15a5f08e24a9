"""Static files: our own CSS/JS from ``web/static`` and npm libraries from ``node_modules``.

npm packages are installed at build time (``make assets``) and served from where npm put
them, never copied into the repository: ``/static/vendor/<package>/`` maps to the package's
``dist`` folder.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from narcowatch.settings import Settings

log = logging.getLogger(__name__)

WEB_STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
REPO_ROOT = Path(__file__).resolve().parents[3]
VENDOR_PACKAGES = ("htmx.org", "leaflet", "cytoscape")


def node_modules_dir(settings: Settings) -> Path | None:
    """The configured folder, else the repository's, else the working directory's."""
    candidates = [Path(settings.assets_dir)] if settings.assets_dir else []
    candidates += [REPO_ROOT / "node_modules", Path.cwd() / "node_modules"]
    for path in candidates:
        if (path / "htmx.org").is_dir():
            return path
    return None


def mount_assets(app: FastAPI, settings: Settings) -> None:
    modules = node_modules_dir(settings)
    if modules is None:
        log.warning("node_modules not found (run `make assets`); the UI works without htmx")
    else:
        for package in VENDOR_PACKAGES:
            dist = modules / package / "dist"
            if dist.is_dir():
                app.mount(
                    f"/static/vendor/{package}",
                    StaticFiles(directory=dist),
                    name=f"vendor-{package}",
                )
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
