"""``python -m narcowatch.bot``: the same as ``narcowatch bot``, without the CLI."""

from __future__ import annotations

import logging
import os

from narcowatch.bot.main import run_bot
from narcowatch.settings import load_settings

if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("NARCOWATCH_LOG_LEVEL", "WARNING"))
    run_bot(load_settings(), pipeline=os.environ.get("NARCOWATCH_BOT_PIPELINE", "1") != "0")
