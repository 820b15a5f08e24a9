"""`narcowatch demo` serves the UI with the demo data: a real browser logs in, confirms a
detection from the queue, and a supervisor finds the verdict in an intact audit log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from narcowatch.demo.accounts import read_logins
from tests.fakes.live import CHROMIUM, CHROMIUM_ARGS, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`narcowatch demo` in its own process, until the UI answers; stopped afterwards."""
    port = free_port()
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARCOWATCH_")}
    script = Path(sys.executable).with_name("narcowatch")
    log = (tmp_path / "demo.log").open("wb")
    proc = subprocess.Popen(
        [str(script), "demo", "--data-dir", str(data_dir), "--size", "100", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text("utf-8")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the demo UI did not come up"
            time.sleep(0.5)
        yield url, data_dir
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_demo_login_queue_confirm_and_audit(served_demo: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, data_dir = served_demo
    logins = read_logins(data_dir / "demo-login.txt")
    assert set(logins) == {"demo", "demo-supervisor"}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/login")
            page.fill("input[name=username]", "demo")
            page.fill("input[name=password]", logins["demo"])
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url(f"{url}/review**")
            rows = page.locator("table.queue tbody tr")
            assert rows.count() > 5
            first = rows.first.locator("td.snippet a")
            detection = first.get_attribute("href").split("?")[0].rsplit("/", 1)[1]
            first.click()
            page.wait_for_url(f"**/review/{detection}**")
            page.click("button[value=confirm]")
            page.wait_for_load_state()

            supervisor = browser.new_page()
            supervisor.goto(f"{url}/login")
            supervisor.fill("input[name=username]", "demo-supervisor")
            supervisor.fill("input[name=password]", logins["demo-supervisor"])
            supervisor.click("form[action='/login'] button[type=submit]")
            supervisor.wait_for_url(f"{url}/review**")
            supervisor.goto(f"{url}/audit?action=detection.")
            entry = supervisor.locator("table.audit tbody tr", has_text=detection[:12])
            expect(entry).to_have_count(1)
            expect(entry).to_contain_text("demo")
            expect(entry).to_contain_text("detection.confirmed")
            supervisor.goto(f"{url}/audit/verify")
            expect(supervisor.locator("[data-verify=intact]")).to_have_count(1)
        finally:
            browser.close()
