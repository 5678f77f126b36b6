"""The token service's migrations, applied by ``vault migrate`` after the vault's own."""

PACKAGE = "service.tokens"

# (package, file under <package>/sql/). Append only: an applied migration is never edited.
TOKEN_MIGRATIONS: tuple[tuple[str, str], ...] = tuple(
    (PACKAGE, f"schema/{name}.sql")
    for name in (
        "role",
        "schema",
        "service_clients",
        "fingerprint_keys",
        "instruments",
        "audit_outbox",
        "client_merchants",
        "audit_ledger",
        "network_updates",
        "reconciliation",
        "service_clients_pepper",
        "audit_commit_order",
    )
)
