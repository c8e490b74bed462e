"""`python -m leakbench.gateway_sim`: soak one fault path directly, or serve the gateway over
WebSocket.

Bad arguments print one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leakbench.gateway_sim.errors import ConfigError
from leakbench.gateway_sim.policy import FLAG_NAMES, POLICIES, parse_flag_override, resolve_policy
from leakbench.gateway_sim.soak import run_soak
from leakbench.gateway_sim.workload import PATHS

try:  # typer vendors click from 0.20 on; before that click is its dependency
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException

BAD_INPUT = 2
INTERRUPTED = 130

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="The gateway simulator: per-run chat state under the legacy and fixed cleanup policies.",
)


@app.command()
def soak(
    fault: Annotated[
        str, typer.Option(help=f"Path every run takes: {', '.join(PATHS)}.", show_default=False)
    ],
    policy: Annotated[str, typer.Option(help=f"Cleanup policy: {', '.join(POLICIES)}.")] = "legacy",
    runs: Annotated[int, typer.Option(min=1, help="Runs to complete before draining.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the workload's random draws.")] = 0,
    policy_flag: Annotated[
        list[str] | None,
        typer.Option(
            "--policy-flag",
            metavar="NAME=true|false",
            help=f"Switch one part of the fix (repeatable): {', '.join(FLAG_NAMES)}.",
        ),
    ] = None,
    terminal_loss: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Probability that a run's terminal event (real, or an abort's synthetic end) "
            "never reaches the handler: what makes legacy-2026.5.27 leak.",
        ),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run RUNS runs that all take path FAULT, drain, and show what every per-run map retains.

    Example: python -m leakbench.gateway_sim soak --policy legacy --fault abort --runs 200 --json
    """
    flags = dict(parse_flag_override(text) for text in policy_flag or [])
    result = run_soak(policy, fault, runs, seed, flags=flags or None, terminal_loss=terminal_loss)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    loss = f" · terminal loss {terminal_loss:g}" if terminal_loss else ""
    title = f"{result['policy']} · {fault}{loss} · {result['runs']} runs · after drain"
    table = Table(title=escape(title))
    table.add_column("per-run map")
    table.add_column("entries retained", justify="right")
    table.add_column("bytes retained", justify="right")
    for name, entries in result["retained"].items():
        table.add_row(name, f"{entries:,}", f"{result['retained_bytes'][name]:,}")
    for name, entries in result["caches"].items():
        table.add_row(f"{name} (bounded cache)", f"{entries:,}", "", style="dim")
    Console().print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 0,
    policy: Annotated[str, typer.Option(help=f"Cleanup policy: {', '.join(POLICIES)}.")] = "fixed",
    speedup: Annotated[
        float, typer.Option(help="Gateway seconds per wall second (0.001 to 1,000,000).")
    ] = 1.0,
    token: Annotated[
        str | None, typer.Option(help="Token clients must present in connect.")
    ] = None,
    operator_token: Annotated[
        str | None, typer.Option(help="Token of operator connections (may abort any run).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the provider's random draws.")] = 0,
    setting: Annotated[
        list[str] | None,
        typer.Option(
            "--setting",
            metavar="NAME=VALUE",
            help="Override one gateway setting, in seconds or a count (repeatable).",
        ),
    ] = None,
    settings_json: Annotated[
        str | None,
        typer.Option(help="Gateway settings as a JSON object, e.g. '{\"stale_ttl\": 300}'."),
    ] = None,
    policy_flag: Annotated[
        list[str] | None,
        typer.Option(
            "--policy-flag",
            metavar="NAME=true|false",
            help=f"Switch one part of the fix (repeatable): {', '.join(FLAG_NAMES)}.",
        ),
    ] = None,
    max_frame_bytes: Annotated[
        int, typer.Option(help="Largest client frame (up to 64 MiB); bigger closes with 1009.")
    ] = 1 << 20,
    send_buffer_limit: Annotated[
        int, typer.Option(help="Send buffer bytes over which a client is a slow consumer.")
    ] = 1 << 20,
    objects: Annotated[
        bool, typer.Option(help="Count gc objects in diagnostics.memory (walks the heap).")
    ] = True,
    connect_timeout: Annotated[
        float, typer.Option(help="Wall seconds to finish the handshake, then to send connect.")
    ] = 10.0,
    max_connections: Annotated[
        int, typer.Option(help="Open connections at most (fitted to the descriptor limit).")
    ] = 1024,
    max_pending: Annotated[
        int, typer.Option(help="Connections at most that have not yet sent connect.")
    ] = 64,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            metavar="ORIGIN",
            help="A browser Origin to accept, e.g. http://localhost:3000 (repeatable).",
        ),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Allow a non-loopback --host without --token.")
    ] = False,
) -> int:
    """Serve the gateway over WebSocket on a scaled clock; prints {"listening": URL, "pid": N}.

    Example:
    python -m leakbench.gateway_sim serve --policy legacy --speedup 600 --setting stale_ttl=300
    """
    resolve_policy(policy)
    from leakbench.gateway_sim import server

    return server.main(
        host=host,
        port=port,
        policy=policy,
        speedup=speedup,
        token=token,
        operator_token=operator_token,
        seed=seed,
        settings=server.parse_settings(settings_json, setting or []),
        policy_flags=dict(parse_flag_override(text) for text in policy_flag or []),
        max_frame_bytes=max_frame_bytes,
        send_buffer_limit=send_buffer_limit,
        objects=objects,
        connect_timeout=connect_timeout,
        max_connections=max_connections,
        max_pending=max_pending,
        allowed_origins=tuple(allow_origin or ()),
        insecure=insecure,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    try:
        status = app(args=argv, prog_name="python -m leakbench.gateway_sim", standalone_mode=False)
    except ClickException as error:
        if error.format_message():  # empty after no_args_is_help has shown the help
            print(f"error: {error.format_message()}", file=sys.stderr)
        return error.exit_code
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    except (typer.Abort, KeyboardInterrupt):
        return INTERRUPTED
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
