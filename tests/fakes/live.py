"""A real `narcowatch serve` on a free port of 127.0.0.1, and Debian's Chromium to drive it.

Shared by every test that needs the served UI, so the way a server is started, awaited and
stopped (and the Chromium flags this closed network needs) is written once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_ui(
    data_dir: Path, cwd: Path, *extra: str, command: str = "serve", timeout_s: float = 90
) -> Iterator[str]:
    """Run `narcowatch <command> --port P --data-dir D [extra]`; yields the base URL.

    The environment's NARCOWATCH_* variables are dropped so the data directory decides.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARCOWATCH_")}
    exe = str(Path(sys.executable).parent / "narcowatch")
    args = [exe, *command.split(), "--port", str(port), "--data-dir", str(data_dir), *extra]
    # A file, not a pipe (a full pipe would block the server), outside any checkout.
    log = Path(tempfile.mkdtemp(prefix="narcowatch-serve-")) / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                output = log.read_text(errors="replace")
                raise AssertionError(f"`narcowatch {command}` did not start:\n{output}")
            time.sleep(0.2)
        yield url
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
