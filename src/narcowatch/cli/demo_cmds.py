"""`narcowatch demo`: load the synthetic demo set and serve the analyst UI on it.

`narcowatch demo generate OUTDIR` only writes the synthetic files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, progress, user_errors
from narcowatch.demo.generate import DEFAULT_SEED, DEFAULT_SIZE, generate
from narcowatch.demo.run import DemoResult, ProgressFactory, load_demo

demo_app = typer.Typer(
    help="Load the synthetic demo set (generated once), run the pipeline, create the demo "
    "logins and serve the analyst UI. `demo generate OUTDIR` only writes the files."
)

Seed = Annotated[int, typer.Option("--seed", help="Random seed of the generator.")]
Size = Annotated[int, typer.Option("--size", help="Number of posts and ads to generate.")]


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")


@contextmanager
def _bars() -> Iterator[ProgressFactory]:
    """A progress factory drawing one Rich bar per step."""
    with ExitStack() as stack:
        bars = stack.enter_context(progress(label="demo"))

        def factory(label: str, total: int | None) -> Callable[[int], None]:
            task = bars.add_task(label, total=total)
            bars.update(task, description=label)
            return lambda n: bars.advance(task, n)

        yield factory


@demo_app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="Data directory.")] = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the UI after.")] = True,
    seed: Seed = DEFAULT_SEED,
    size: Size = DEFAULT_SIZE,
    port: Annotated[
        int | None, typer.Option("--port", help="Port of the UI (default: settings, 8000).")
    ] = None,
) -> None:
    """Generate the synthetic demo set (once), ingest it, run the pipeline, serve the UI."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        rt = open_runtime(data_dir)
        with _bars() as bars:
            result = load_demo(rt, seed=seed, size=size, progress=bars)
        _summary(result)
        host = rt.settings.host
        url = f"http://{host}:{port or rt.settings.port}"
        _logins(result, url)
        if not serve:
            rt.close()
            return
        import uvicorn

        from narcowatch.api.app import create_app

        app = create_app(rt)
    console.print(f"serving the analyst UI at [bold]{url}/[/bold] (Ctrl+C stops it)")
    try:
        uvicorn.run(
            app, host=host, port=port or rt.settings.port, log_level="warning", server_header=False
        )
    finally:
        rt.close()


def _summary(result: DemoResult) -> None:
    what = "generated" if result.generated else "already there, reused"
    console.print(f"demo data: {result.demo_dir} ({what})")
    new = sum(r.new for r in result.ingested.values())
    unchanged = sum(r.unchanged + r.updated for r in result.ingested.values())
    console.print(
        f"ingested {len(result.ingested)} files: {new} new items, {unchanged} already stored"
    )
    if result.reports:
        console.print(
            f"citizen reports: {result.reports.new} new, {result.reports.existing} already stored"
        )
    rate = result.processed / result.timings["pipeline"] if result.timings["pipeline"] else 0.0
    console.print(f"pipeline: {result.processed} items processed ({rate:.0f} items/s)")
    for stage, keys in sorted(result.counters.items()):
        console.print(f"  {stage}: " + ", ".join(f"{k}={v}" for k, v in sorted(keys.items())))


def _logins(result: DemoResult, url: str) -> None:
    console.print(f"\n[bold]open {url} and log in[/bold] (saved in {result.login_file}):")
    for login in result.logins:
        console.print(
            f"  {login.role:<11} user [bold]{login.username}[/bold]"
            f"  password [bold]{login.password}[/bold]"
        )


@demo_app.command("generate")
def generate_cmd(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the synthetic set into.")],
    seed: Seed = DEFAULT_SEED,
    size: Size = DEFAULT_SIZE,
) -> None:
    """Write the synthetic demo set (Telegram exports, ads, citizen reports) into OUTDIR."""
    with user_errors():
        manifest = generate(outdir, seed=seed, size=size)
    counts = manifest.data["counts"]
    console.print(
        f"{outdir}: {counts['channels']} channels, {counts['telegram_posts']} posts, "
        f"{counts['ads']} ads, {counts['reports']} reports "
        f"({counts['positives']} drug-trade, {counts['negatives']} other); all SYNTHETIC"
    )
