"""The ``vault`` command: every process and operation of Customer Vault."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from events.crypto import Keyring
from infra import transport_settings
from infra.logs import configure_logging
from infra.settings import from_env as declared_from_env
from infra.settings import redacted
from service.settings import ConfigError, Settings
from service.tokens.keyring import KeyringError
from service.tokens.settings import TokenServiceSettings

log = logging.getLogger("vault")


def _keyring(settings: Settings) -> Keyring:
    if not settings.personal_data_keks:
        raise ConfigError(
            "VAULT_PERSONAL_DATA_KEKS (or VAULT_PERSONAL_DATA_KEKS_FILE) must hold the key-"
            "encryption keys as id:base64key[,…]; `vault keys generate` makes one"
        )
    return Keyring.parse(settings.personal_data_keks)


def config_lines(settings: Settings, token_settings: TokenServiceSettings) -> list[str]:
    """``vault config``: both services' effective settings (the token service's under
    ``tokens.``, the security and transport settings both read under ``http.``, ``auth.``, ``db.``, ``kafka.``), secrets
    redacted."""
    shared = [
        f"{concern}.{name}={value}"
        for concern, cls in transport_settings.SHARED.items()
        for name, value in redacted(declared_from_env(cls)).items()
    ]
    return [
        *(f"{name}={value}" for name, value in settings.redacted().items()),
        *(f"tokens.{name}={value}" for name, value in token_settings.redacted().items()),
        *shared,
    ]


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
    revoke = msub.add_parser(
        "revoke", help="revoke an API key (effective within the auth cache time)"
    )
    revoke.add_argument("key_id")
    msub.add_parser("pepper", help="convert stored SHA-256 key digests to peppered HMACs")
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
        "--scope",
        action="append",
        required=True,
        choices=["tokenize", "detokenize", "keys", "audit", "reconcile"],
    )
    bound = client_create.add_mutually_exclusive_group(required=True)
    bound.add_argument(
        "--merchant", action="append", type=uuid.UUID, metavar="UUID", help="repeatable"
    )
    bound.add_argument(
        "--all-merchants", action="store_true", help="a platform-wide client (the vault API)"
    )
    csub.add_parser("pepper", help="convert stored SHA-256 client digests to peppered HMACs")
    client_revoke = csub.add_parser(
        "revoke", help="revoke a client (every replica within VAULT_TOKENS_CLIENT_CACHE_SECONDS)"
    )
    client_revoke.add_argument("client_id")
    tsub.add_parser("purge-expired", help="destroy expired single-use records now")
    reconcile = tsub.add_parser(
        "reconcile", help="destroy token records no vault instrument references; count dangling"
    )
    reconcile.add_argument("--dry-run", action="store_true", help="report, destroy nothing")
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
    updater = sub.add_parser("updater", help="apply card updates from the networks (consumer)")
    usub = updater.add_subparsers(dest="action")
    publish = usub.add_parser("publish", help="send a file of card updates (JSON lines)")
    publish.add_argument("file", type=Path)
    sub.add_parser("config", help="print the effective configuration (secrets redacted)")
    idempotency = sub.add_parser("idempotency", help="Idempotency-Key records")
    isub = idempotency.add_subparsers(dest="action", required=True)
    isub.add_parser("purge", help="delete the records older than VAULT_IDEMPOTENCY_RETENTION")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"vault: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
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
        configured = settings.api_workers
    elif args.command == "tokens" and args.action is None:
        token_settings = TokenServiceSettings.from_env()
        variable, metrics = "VAULT_TOKENS_WORKERS", "VAULT_TOKENS_METRICS_PORT"
        port, configured = token_settings.metrics_port, token_settings.workers
    else:
        return False
    try:
        count = workers.worker_count(args.workers, configured, variable)
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
        case "merchants" if args.action == "revoke":
            return await operations.revoke_key(settings, args.key_id)
        case "idempotency":
            await operations.purge_idempotency_records(settings)
        case "merchants" if args.action == "pepper":
            await operations.pepper_keys(settings)
        case "merchants":
            await operations.create_merchant(settings, args.name, args.kind)
        case "tokens" if args.action == "reconcile":
            from service.processes.reconciler import reconcile_command

            return await reconcile_command(settings, dry_run=args.dry_run)
        case "tokens":
            from service.tokens import process as tokens

            token_settings = TokenServiceSettings.from_env()
            if args.action == "clients" and args.client_action == "revoke":
                return await tokens.revoke_service_client(token_settings, args.client_id)
            if args.action == "clients" and args.client_action == "pepper":
                return await tokens.pepper_service_clients(token_settings)
            if args.action == "clients":
                await tokens.create_service_client(
                    token_settings,
                    args.name,
                    args.scope,
                    args.merchant or [],
                    all_merchants=args.all_merchants,
                )
            elif args.action == "purge-expired":
                await tokens.purge_expired(token_settings)
            else:
                await tokens.run_tokens(token_settings)
        case "updater":
            from service.processes import updater

            if args.action == "publish":
                return await updater.publish_updates(settings, args.file)
            await updater.run_updater(settings, _keyring(settings))
        case "keys" if args.action == "generate":
            print(Keyring.generate(args.id).spec())
        case "keys":
            from service.tokens import process as tokens

            return await tokens.keys_command(
                TokenServiceSettings.from_env(),
                args.action,
                getattr(args, "kek_id", None),
                getattr(args, "batch_size", 500),
                getattr(args, "from_kek", None),
            )
        case "config":
            print("\n".join(config_lines(settings, TokenServiceSettings.from_env())))
    return 0
