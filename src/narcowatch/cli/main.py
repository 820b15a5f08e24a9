"""Entry point of the ``narcowatch`` command; command groups register themselves here."""

from __future__ import annotations

import importlib
import logging

import typer

COMMAND_MODULES = [
    "narcowatch.cli.pipeline_cmds",
    "narcowatch.cli.extract_cmds",
    "narcowatch.cli.classify_cmds",
    "narcowatch.cli.demo_cmds",
    "narcowatch.cli.web_cmds",
    "narcowatch.cli.case_cmds",
    "narcowatch.cli.evidence_cmds",
    "narcowatch.cli.trace_cmds",
    "narcowatch.cli.bot_cmds",
    "narcowatch.cli.monitor_cmds",
    "narcowatch.cli.shop_cmds",
    "narcowatch.cli.telegram_cmds",
]

app = typer.Typer(
    name="narcowatch", help="Find, analyse and act on online drug trade.", no_args_is_help=True
)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log more.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


if __name__ == "__main__":
    app()
