"""Command line: ``python -m devstack up``, ``python -m devstack run`` (``make run``) and
``python -m devstack fetch-kafka`` / ``fetch-tools`` (what `make test` obtains before it runs).

``up`` prints shell-sourceable ``DATABASE_URL=...`` / ``KAFKA_BOOTSTRAP_SERVERS=...`` lines on
stdout once everything is ready (progress goes to stderr, so stdout stays clean), then runs until
SIGINT/SIGTERM/SIGHUP and stops the stack.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
from pathlib import Path
from types import FrameType

from devstack.kafka import fetch_kafka, kafka_version
from devstack.process import ServiceStartError
from devstack.stack import Endpoints, LocalStack
from devstack.tools import fetch_tools

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # Turns SIGTERM/SIGHUP into the same unwinding as Ctrl-C, so `finally: stack.stop()` runs
    # (by default they would kill Python at once and leave the servers running).
    raise KeyboardInterrupt


def env_lines(endpoints: Endpoints) -> str:
    return (
        f"DATABASE_URL={shlex.quote(endpoints.database_url)}\n"
        f"KAFKA_BOOTSTRAP_SERVERS={shlex.quote(endpoints.kafka_bootstrap_servers)}\n"
    )


def _up(work_dir: Path | None, env_file: Path | None) -> int:
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _raise_interrupt)
    stack = LocalStack(work_dir=work_dir, log=_err)
    try:
        endpoints = stack.start()
        lines = env_lines(endpoints)
        sys.stdout.write(lines)
        sys.stdout.flush()
        if env_file is not None:
            # Written atomically, so a script polling for the file never reads half of it.
            partial = env_file.with_name(env_file.name + ".partial")
            partial.write_text(lines)
            os.replace(partial, env_file)
        _err("stack is up; stop it with Ctrl-C or SIGTERM")
        while True:
            signal.pause()
    except KeyboardInterrupt:
        _err("stopping the stack…")
        return 0
    except ServiceStartError as exc:
        _err(f"devstack: {exc}")
        return 1
    finally:
        # A second Ctrl-C must not abort the shutdown half-way.
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()
        if env_file is not None:
            env_file.unlink(missing_ok=True)


def _run(port: int) -> int:
    import asyncio

    from devstack.run import run
    from infra.logs import configure_logging
    from service.settings import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_level, process="dev")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings, port))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start PostgreSQL and Kafka, print their addresses, wait")
    up.add_argument("--work-dir", type=Path, help="where local servers keep data and logs")
    up.add_argument(
        "--env-file", type=Path, help="also write the address lines to this file once ready"
    )
    run = commands.add_parser(
        "run", help="the whole vault on a local stack, as `make run` starts it (Ctrl-C stops it)"
    )
    run.add_argument("--port", type=int, default=8080)
    commands.add_parser(
        "fetch-kafka",
        help=f"only fetch the Kafka broker jars (Kafka {kafka_version()}) into the cache",
    )
    commands.add_parser(
        "fetch-tools",
        help="check the README's prerequisites, then obtain promtool and wrk and the Kafka jars",
    )
    args = parser.parse_args(argv)

    if args.command == "fetch-tools":
        try:
            fetch_tools(log=_err)
            fetch_kafka(log=_err)
        except ServiceStartError as exc:
            _err(f"devstack: {exc}")
            return 1
        return 0
    if args.command == "fetch-kafka":
        try:
            libs = fetch_kafka(log=_err)
        except ServiceStartError as exc:
            _err(f"devstack: {exc}")
            return 1
        _err(f"Kafka {kafka_version()} jars: {libs}")
        return 0
    if args.command == "run":
        return _run(args.port)
    work_dir: Path | None = args.work_dir
    env_file: Path | None = args.env_file
    return _up(work_dir, env_file)


if __name__ == "__main__":
    sys.exit(main())
