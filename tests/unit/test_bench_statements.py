"""``python -m bench.statements`` reads PostgreSQL's statement log: what it counts per request."""

from __future__ import annotations

from bench.statements import counts

LOG = """\
[customer-vault] LOG:  statement: BEGIN;
[customer-vault] LOG:  execute __asyncpg_stmt_1__: -- Append a batch of events
\t-- to one stream.
\tINSERT INTO vault.events (stream_id)
\tSELECT $1
[customer-vault] DETAIL:  parameters: $1 = 'profile-1'
[customer-vault-tokens] LOG:  execute __asyncpg_stmt_9__: INSERT INTO tokens.instruments (token)
\tVALUES ($1)
[customer-vault] LOG:  statement: COMMIT;
[customer-vault] LOG:  statement: BEGIN;
[customer-vault] LOG:  statement: COMMIT;
[] LOG:  checkpoint starting: time
"""


def test_statements_are_counted_per_request_and_connection_without_their_comments() -> None:
    rows = counts(LOG, requests=2)
    assert rows == [
        (1.0, "customer-vault", "BEGIN;"),
        (1.0, "customer-vault", "COMMIT;"),
        (0.5, "customer-vault", "INSERT INTO vault.events (stream_id) SELECT $1"),
        (0.5, "customer-vault-tokens", "INSERT INTO tokens.instruments (token) VALUES ($1)"),
    ]
