"""The ``vault`` command: every process and operation of Customer Vault."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from events.crypto import Keyring
from infra.logs import configure_logging
from service.settings import ConfigError, Settings
from service.tokens.keyring import KeyringError

log = logging.getLogger("vault")


def _keyring(settings: Settings) -> Keyring:
    if not settings.personal_data_keks:
        raise ConfigError(
            "VAULT_PERSONAL_DATA_KEKS (or VAULT_PERSONAL_DATA_KEKS_FILE) must hold the key-"
            "encryption keys as id:base64key[,…]; `vault keys generate` makes one"
        )
    return Keyring.parse(settings.personal_data_keks)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vault", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api", help="run the Paysafe-compatible vault API")
    api.add_argument("--workers", type=int, help="processes sharing the port (VAULT_API_WORKERS)")
    sub.add_parser("relay", help="publish stored events to Kafka (one active, others standby)")
    project = sub.add_parser("project", help="run the projector (Kafka consumer group)")
    project.add_argument("--projection", default="customer-search")
    sub.add_parser("migrate", help="apply database migrations")
    rebuild = sub.add_parser("rebuild", help="rebuild a view from the event store")
    rebuild.add_argument("view", choices=["profile-view", "customer-search"])
    merchants = sub.add_parser("merchants", help="manage merchants and their API keys")
    msub = merchants.add_subparsers(dest="action", required=True)
    create = msub.add_parser("create", help="create a merchant (if new) and issue an API key")
    create.add_argument("name")
    create.add_argument("--kind", choices=["server", "single_use"], default="server")
    tokens = sub.add_parser("tokens", help="run the token service (or manage its clients)")
    tokens.add_argument(
        "--workers", type=int, help="processes sharing the port (VAULT_TOKENS_WORKERS)"
    )
    tsub = tokens.add_subparsers(dest="action")
    clients = tsub.add_parser("clients", help="token-service clients")
    csub = clients.add_subparsers(dest="client_action", required=True)
    client_create = csub.add_parser("create", help="create a client; prints its secret once")
    client_create.add_argument("name")
    client_create.add_argument(
        "--scope", action="append", required=True, choices=["tokenize", "detokenize", "keys"]
    )
    tsub.add_parser("purge-expired", help="destroy expired single-use records now")
    keys = sub.add_parser("keys", help="key-encryption keys")
    ksub = keys.add_subparsers(dest="action", required=True)
    generate = ksub.add_parser("generate", help="print a new keyring entry id:base64key")
    generate.add_argument("--id", default="kek-1")
    ksub.add_parser("rotate", help="add a token-service KEK to the keyring dir and activate it")
    rewrap = ksub.add_parser("rewrap", help="re-wrap token records under the active KEK")
    rewrap.add_argument("--batch-size", type=int, default=500)
    rewrap.add_argument(
        "--from", dest="from_kek", metavar="KEK_ID", help="only records wrapped by this KEK"
    )
    retire = ksub.add_parser("retire", help="remove a token-service KEK nothing uses any more")
    retire.add_argument("kek_id")
    ksub.add_parser("status", help="token records and secrets per KEK")
    sub.add_parser("config", help="print the effective configuration (secrets redacted)")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    configure_logging(settings.log_level, process=args.command)
    if _supervised(args, settings):
        return
    try:
        status = asyncio.run(_dispatch(args, settings))
    except ConfigError as exc:
        print(f"vault: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyringError as exc:
        print(f"vault: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    else:
        if status:
            sys.exit(status)


def _supervised(args: argparse.Namespace, settings: Settings) -> bool:
    """``vault api|tokens --workers N`` (N > 1): supervise N single-worker processes instead."""
    from infra import workers

    if args.command == "api":
        variable, metrics, port = "VAULT_API_WORKERS", "VAULT_METRICS_PORT", settings.metrics_port
    elif args.command == "tokens" and args.action is None:
        variable, metrics = "VAULT_TOKENS_WORKERS", "VAULT_TOKENS_METRICS_PORT"
        port = settings.tokens_metrics_port
    else:
        return False
    try:
        count = workers.worker_count(args.workers, variable)
    except ValueError as exc:
        print(f"vault: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    if count == 1:
        return False
    plan = workers.WorkerPlan(count, workers.worker_argv(args.command), variable, metrics, port)
    status = workers.supervise(plan, grace_seconds=settings.shutdown_grace_seconds + 5)
    if status:
        sys.exit(status)
    return True


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so `vault --help` and `vault keys generate` start fast.
    from service.admin import operations

    match args.command:
        case "api":
            from service.processes.api import run_api

            await run_api(settings, _keyring(settings))
        case "relay":
            from service.processes.relay import run_relay

            await run_relay(settings)
        case "project":
            from service.processes.projector import run_projector

            await run_projector(settings, _keyring(settings), args.projection)
        case "migrate":
            await operations.migrate(settings)
        case "rebuild":
            await operations.rebuild(settings, _keyring(settings), args.view)
        case "merchants":
            await operations.create_merchant(settings, args.name, args.kind)
        case "tokens":
            from service.tokens import process as tokens

            if args.action == "clients":
                await tokens.create_service_client(settings, args.name, args.scope)
            elif args.action == "purge-expired":
                await tokens.purge_expired(settings)
            else:
                await tokens.run_tokens(settings)
        case "keys" if args.action == "generate":
            print(Keyring.generate(args.id).spec())
        case "keys":
            from service.tokens import process as tokens

            return await tokens.keys_command(
                settings,
                args.action,
                getattr(args, "kek_id", None),
                getattr(args, "batch_size", 500),
                getattr(args, "from_kek", None),
            )
        case "config":
            for name, value in settings.redacted().items():
                print(f"{name}={value}")
    return 0
