"""Load on the citizen bot: updates per second through the real bot process, and a crash.

The real bot (``python -m narcowatch.bot``) runs against the local fake Bot API server
(tests/fakes/telegram_bot_api.py) in this process. Each simulated reporter sends a whole
dialogue: /start with a campaign, language, kind, a text with a link of its own, Done, Send
(6 updates). Phase 1 measures the drain rate of a backlog. Phase 2 queues a new backlog,
kills the bot with SIGKILL half-way, restarts it, and checks that every reporter has
exactly one report: zero lost, zero duplicated.

    .venv/bin/python bench/bot_load.py --users 1500
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from narcowatch.runtime import Runtime  # noqa: E402
from narcowatch.settings import Settings  # noqa: E402
from narcowatch.store.tables import ReportRecord  # noqa: E402
from narcowatch.store.tables_reports import ReportLinkRecord  # noqa: E402
from tests.fakes.telegram_bot_api import TOKEN, FakeTelegram  # noqa: E402


def dialogue(tg: FakeTelegram, user_id: int, link: str) -> list[dict]:
    chat = {"id": user_id, "type": "private", "first_name": "Load"}
    frm = {"id": user_id, "is_bot": False, "first_name": "Load"}
    now = int(time.time())

    def msg(n: int, text: str) -> dict:
        entities = [{"type": "bot_command", "offset": 0, "length": 6}] if text[0] == "/" else []
        return {
            "message": {
                "message_id": n,
                "from": frm,
                "chat": chat,
                "date": now,
                "text": text,
                "entities": entities,
            }
        }

    def click(n: int, data: str) -> dict:
        qid = f"q{user_id}x{n}"
        tg.callbacks[qid] = False
        bot_msg = {"message_id": 1000 + n, "date": now, "chat": chat, "text": "…"}
        return {
            "callback_query": {
                "id": qid,
                "from": frm,
                "chat_instance": "c",
                "data": data,
                "message": bot_msg,
            }
        }

    tg.chats.add(user_id)
    return [
        msg(1, "/start LOAD-1"),
        click(2, "lang:en"),
        click(3, "kind:link"),
        msg(4, f"selling here {link}"),
        click(5, "done"),
        click(6, "send"),
    ]


def interleave(dialogues: list[list[dict]]) -> list[dict]:
    """Users act at the same time: step 1 of everyone, then step 2..., as in real traffic."""
    return [d[i] for i in range(len(dialogues[0])) for d in dialogues]


def start_bot(settings: Settings, tg: FakeTelegram, log: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        NARCOWATCH_DATA_DIR=str(settings.data_dir),
        NARCOWATCH_DATABASE_URL=settings.database_url,
        NARCOWATCH_PSEUDONYM_KEY=settings.pseudonym_key,
        NARCOWATCH_BOT_TOKEN=TOKEN,
        NARCOWATCH_BOT_API_BASE=tg.base_url,
        NARCOWATCH_BOT_PIPELINE="0",
        NARCOWATCH_CONFIG=str(settings.data_dir / "none.toml"),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "narcowatch.bot"],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_ready(tg: FakeTelegram, before: int, timeout: float = 300) -> float:
    t0 = time.monotonic()
    while tg.get_updates_calls <= before:
        if time.monotonic() - t0 > timeout:
            raise SystemExit("the bot did not start")
        time.sleep(0.05)
    return time.monotonic() - t0


def drain(tg: FakeTelegram, timeout: float = 600) -> float:
    t0 = time.monotonic()
    while tg.updates:
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"{len(tg.updates)} updates not processed in {timeout}s")
        time.sleep(0.01)
    return time.monotonic() - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc), to judge apart from machine load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counts(rt: Runtime) -> tuple[int, int, int]:
    with rt.db.session() as s:
        reports = s.scalar(select(func.count()).select_from(ReportRecord)) or 0
        reporters = s.scalar(select(func.count(func.distinct(ReportRecord.pseudonym)))) or 0
        worst = s.scalar(select(func.max(ReportLinkRecord.count))) or 0
    return reports, reporters, worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1500, help="reporters per phase")
    ap.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    ap.add_argument("--kill-after", type=float, default=0.92, help="fraction drained, then kill")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nw-botload-"))
    settings = Settings(
        data_dir=tmp / "data",
        database_url=args.database_url,
        pseudonym_key="bench-key",
        secret_key="bench",
    )
    rt = Runtime.open(settings)
    tg = FakeTelegram(record_calls=False).start()
    log = tmp / "bot.log"
    print(
        f"python {platform.python_version()} on {platform.machine()}, cpus={os.cpu_count()}, "
        f"load={os.getloadavg()[0]:.1f}, db={rt.db.engine.url.get_backend_name()}, dir={tmp}"
    )

    proc = start_bot(settings, tg, log)
    print(f"bot process started in {wait_ready(tg, 0):.1f}s")
    users = range(10_000_000, 10_000_000 + args.users)
    updates = interleave([dialogue(tg, u, f"https://shop{u}.example/menu") for u in users])
    sent0 = len(tg.sent)
    bot_cpu0, own_cpu0 = cpu_seconds(proc.pid), sum(os.times()[:2])
    tg.push_many(updates)
    elapsed = drain(tg)
    bot_cpu = cpu_seconds(proc.pid) - bot_cpu0
    own_cpu = sum(os.times()[:2]) - own_cpu0
    reports, reporters, worst = counts(rt)
    print(
        f"phase 1: {len(updates)} updates in {elapsed:.2f}s = {len(updates) / elapsed:.0f} "
        f"updates/s; {reports} reports stored ({reports / elapsed:.0f}/s), "
        f"{len(tg.sent) - sent0} bot messages sent"
    )
    per_update = bot_cpu / len(updates)
    print(
        f"  CPU: bot {bot_cpu:.1f}s ({per_update * 1000:.2f} ms/update), fake Telegram and "
        f"load generator {own_cpu:.1f}s; machine load {os.getloadavg()[0]:.1f}"
    )
    print(
        "  with one core for the bot and one for the fake: "
        f"{1 / max(per_update, own_cpu / len(updates)):.0f} updates/s"
    )
    ok1 = reports == args.users == reporters and worst == 1

    users2 = range(20_000_000, 20_000_000 + args.users)
    updates2 = interleave([dialogue(tg, u, f"https://shop{u}.example/menu") for u in users2])
    total = len(tg.updates) + len(updates2)
    tg.push_many(updates2)
    while len(tg.updates) > total * (1 - args.kill_after):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = len(tg.updates)
    killed_at, _, _ = counts(rt)
    polls = tg.get_updates_calls
    proc = start_bot(settings, tg, log)
    print(
        f"phase 2: SIGKILL with {left} of {total} updates unconfirmed "
        f"({killed_at - args.users} reports of phase 2 stored); restarted in "
        f"{wait_ready(tg, polls):.1f}s"
    )
    drain(tg)
    reports, reporters, worst = counts(rt)
    lost = 2 * args.users - reporters
    duplicated = reports - reporters
    print(
        f"phase 2: {reports} reports for {2 * args.users} reporters: lost={lost} "
        f"duplicated={duplicated} (max reports of one link: {worst})"
    )
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    tg.stop()
    rt.close()
    ok = ok1 and lost == 0 and duplicated == 0 and worst == 1
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
