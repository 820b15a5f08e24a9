"""One typed settings model: defaults < narcowatch.toml < NARCOWATCH_* environment < CLI flags."""

from __future__ import annotations

import logging
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from narcowatch.errors import NarcowatchError

log = logging.getLogger(__name__)

ENV_PREFIX = "NARCOWATCH_"


class Settings(BaseModel):
    """Every option has a default, a type and a help text."""

    data_dir: Path = Field(Path(".narcowatch"), description="Where the database and blobs live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite in data_dir/narcowatch.db."
    )
    secret_key: str = Field(
        "", description="Signs session cookies and CSRF tokens; generated into data_dir if empty."
    )
    pseudonym_key: str = Field(
        "", description="HMAC key for citizen pseudonyms; generated into data_dir if empty."
    )
    cookie_secure: bool = Field(
        False, description="Mark session cookies Secure (set true behind HTTPS)."
    )
    session_max_age: int = Field(8 * 3600, description="Seconds an analyst session lasts.")
    default_lang: str = Field(
        "ru", description="UI language when the user chose none (ru, kk, en)."
    )
    host: str = Field("127.0.0.1", description="Address `narcowatch serve` binds to.")
    port: int = Field(8000, description="Port `narcowatch serve` binds to.")
    max_import_bytes: int = Field(
        256 * 1024 * 1024, description="Largest file `narcowatch ingest` accepts."
    )
    batch_size: int = Field(500, description="Items processed per pipeline transaction.")
    review_threshold: float | None = Field(
        None,
        description="Score from which a detection is queued; empty = the classifier's own "
        "review threshold (chosen for recall >= 0.97), or 0.5 if it has none.",
    )
    ocr_images: bool = Field(
        False,
        description="Read pictures attached to items (Tesseract, 1-5 s each) into their text.",
    )
    ocr_max_images: int = Field(4, description="Most pictures read per item.")
    classifier: str = Field(
        "drugs", description="Registered classifier used by the pipeline (drugs, lexicon)."
    )
    bot_token: str = Field("", description="Telegram bot token for `narcowatch bot`.")
    bot_api_base: str = Field(
        "https://api.telegram.org", description="Telegram Bot API base URL (tests use a fake)."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts the crawler and evidence fetcher may reach even if private (tests).",
    )
    tsa_url: str = Field(
        "",
        description="RFC 3161 timestamp authority URL for manifests; empty = no timestamp.",
    )
    tsa_ca_file: str = Field(
        "",
        description="PEM file of the TSA CA (and chain), copied into evidence packages.",
    )
    fetch_max_bytes: int = Field(
        20 * 1024 * 1024, description="Largest response body the evidence fetcher accepts."
    )
    fetch_timeout_s: float = Field(
        20.0, description="Seconds a fetch (all redirects included) may take."
    )
    fetch_max_redirects: int = Field(5, description="Redirects the fetcher follows at most.")
    blocking_template: str = Field(
        "",
        description="Operator-edited blocking letter template (YAML); empty = the shipped one.",
    )
    block_deadline_days: int = Field(
        10, description="Days the regulator has to act on a blocking request before it is overdue."
    )
    recheck_concurrency: int = Field(
        20, description="Re-checks of blocked targets run at the same time at most."
    )

    job_lease_s: float = Field(
        600.0, description="Seconds after which a running job of a silent worker is re-queued."
    )
    job_max_attempts: int = Field(5, description="Attempts before a failing job is marked failed.")
    job_backoff_s: float = Field(
        30.0, description="First retry delay of a failed job; doubles with each attempt."
    )
    crawl_user_agent: str = Field(
        "narcowatch-monitor/0.1 (+https://github.com/narcowatch)",
        description="User-Agent header of the monitoring crawler.",
    )
    crawl_host_delay_s: float = Field(
        1.0, description="Seconds the crawler waits between two requests to the same host."
    )
    crawl_host_concurrency: int = Field(
        2, description="Requests in flight to one website at most, across all workers."
    )
    crawl_max_pages: int = Field(200, description="Pages one crawl of a website fetches at most.")
    crawl_max_depth: int = Field(
        3, description="Link depth a website crawl follows from its seeds."
    )
    crawl_max_pages_per_pattern: int = Field(
        100,
        description="Pages per URL shape (digits masked) before it is treated as a crawler trap.",
    )
    crawl_interval_s: int = Field(
        3600, description="Default seconds between two crawls of a source."
    )
    crawl_proxy: str | None = Field(
        None,
        description="Proxy of the monitoring crawler (http://host:port or socks5://host:port); "
        "a source's config 'proxy' overrides it.",
    )
    crawl_text_extractor: str = Field(
        "trafilatura",
        description="Main text of web pages: 'trafilatura' (fast mode) or 'lxml' (cheapest).",
    )
    crawl_extract_processes: int = Field(
        -1,
        description="Helper processes extracting web pages' main text during a website crawl: "
        "0 in the crawl's own process, N helpers, -1 (default) one helper when the crawl may "
        "fetch more than 1,000 pages and the machine has two cores or more.",
    )
    telegram_web_base: str = Field(
        "https://t.me", description="Base URL of Telegram's public channel preview (tests: a fake)."
    )
    telegram_web_max_pages: int = Field(
        20, description="Pages of a channel preview one crawl reads going back in time."
    )
    telegram_api_id: int = Field(0, description="Telegram API id (my.telegram.org) for MTProto.")
    telegram_api_hash: str = Field("", description="Telegram API hash that goes with the id.")
    telegram_session: str = Field(
        "", description="Telethon session file; empty = data_dir/telegram.session."
    )
    telegram_session_key: str = Field(
        "", description="Passphrase that encrypts the Telegram session at rest; empty = plain."
    )
    telegram_server: str = Field(
        "", description="MTProto server 'host:port' instead of Telegram's DC 2 (tests: a fake)."
    )
    telegram_max_messages: int = Field(
        1000, description="Messages one MTProto crawl of a chat reads going back in time."
    )
    metrics_token: str = Field(
        "",
        description="Bearer token Prometheus sends to /metrics; empty = loopback clients only.",
    )
    discovery_policy: str = Field(
        "review",
        description="New sources found in positive posts: 'review' (wait for an analyst), "
        "'auto' (crawl them) or 'off'.",
    )

    assets_dir: str = Field(
        "",
        description="node_modules folder with the UI's npm libraries; empty = <repo>/node_modules.",
    )

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'narcowatch.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        raw = os.environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        if field.annotation == list[str]:  # generic aliases are not singletons: compare, not `is`
            values[name] = [h.strip() for h in raw.split(",") if h.strip()]
        else:
            values[name] = raw
    return values


def _from_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NarcowatchError(
            f"settings file {path} is not valid TOML: {exc}", code="E010"
        ) from exc
    section = data.get("narcowatch", data)
    unknown = set(section) - set(Settings.model_fields)
    for key in sorted(unknown):
        log.warning("unknown key %r in %s is ignored", key, path)
    return {k: v for k, v in section.items() if k in Settings.model_fields}


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Merge the layers; ``overrides`` are CLI flags (None values are ignored)."""
    path = config or Path(os.environ.get(ENV_PREFIX + "CONFIG", "narcowatch.toml"))
    values = _from_file(path)
    values.update(_from_env())
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise NarcowatchError(f"invalid settings: {exc}", code="E011") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (front doors may override by calling load_settings)."""
    return load_settings()
