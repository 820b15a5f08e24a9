"""`serve`, `users add` and `audit verify`: the analyst UI, its accounts, and the audit check."""

from __future__ import annotations

from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, user_errors
from narcowatch.security import audit
from narcowatch.security.roles import ROLES
from narcowatch.security.users import add_user

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]

users_app = typer.Typer(help="Analyst accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    users_app.command("add")(users_add)
    audit_app.command("verify")(audit_verify)
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 8000).")] = None,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run one background worker in-process.")
    ] = True,
    data_dir: DataDir = None,
) -> None:
    """Serve the analyst UI (and, by default, one background worker: crawls, captures)."""
    import uvicorn

    from narcowatch.api.app import create_app

    with user_errors():
        rt = open_runtime(data_dir)
        settings = rt.settings
        bind_host = host or settings.host
        bind_port = port or settings.port
        app = create_app(rt)
    if bind_host not in ("127.0.0.1", "localhost", "::1") and not settings.cookie_secure:
        console.print(
            "[yellow]warning[/yellow] serving beyond this machine without HTTPS: put a TLS "
            "proxy in front and set NARCOWATCH_COOKIE_SECURE=true"
        )
    console.print(f"narcowatch UI: http://{bind_host}:{bind_port}/  (Ctrl+C stops it)")
    stop = None
    if worker:
        from narcowatch.pipeline.background import make_tick
        from narcowatch.pipeline.jobs import start_in_process

        _, stop = start_in_process(rt, on_tick=make_tick(rt))
    try:
        uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning", server_header=False)
    finally:
        if stop is not None:
            stop.set()
        rt.close()


def users_add(
    username: Annotated[str, typer.Argument(help="Login name (case-insensitive).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "analyst",
    password: Annotated[
        str | None, typer.Option(help="Password (prompted for, hidden, when omitted).")
    ] = None,
    lang: Annotated[str, typer.Option(help="UI language: ru, kk or en.")] = "ru",
    data_dir: DataDir = None,
) -> None:
    """Create an analyst account."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with user_errors():
        rt = open_runtime(data_dir)
        try:
            with rt.db.session() as session:
                user = add_user(session, username, password, role, lang, actor="cli")
                name = user.username
        finally:
            rt.close()
    console.print(f"user {name!r} added with role {role}")


def audit_verify(data_dir: DataDir = None) -> None:
    """Check the audit chain; exit 1 and name every wrong seq when it was tampered with."""
    with user_errors():
        rt = open_runtime(data_dir)
        try:
            with rt.db.session() as session:
                problems = audit.verify(session)
                seq, digest = audit.head(session)
        finally:
            rt.close()
    if problems:
        typer.echo(f"audit log TAMPERED: {len(problems)} problem(s)")
        for problem in problems:
            typer.echo(f"  {problem}")
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {seq} entries, head {digest}")
