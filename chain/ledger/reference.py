"""The ledger's reference to its deployment, enforced by triggers instead of a foreign-key constraint.

Why: PostgreSQL checks a foreign key with one trigger call per inserted row. The indexer copies tens
of thousands of rows per window, all of one or two deployments, and those per-row checks cost as
much as the COPY itself (0.17 s of 0.31 s for 20,004 rows, docs/benchmarks-ledger.md). The same
guarantee is kept, checked once per statement:

- inserting ledger rows whose deployment does not exist fails (SQLSTATE 23503, an IntegrityError),
  and the check takes ``FOR KEY SHARE`` on the deployments it finds, as the native check does, so a
  concurrent delete waits for the inserting transaction;
- a ledger row's ``deployment_id`` never changes;
- deleting a deployment that still has ledger rows, or changing its id, fails. This check runs
  after the row is deleted, so a delete that waited for an inserter's lock sees the rows it
  committed (READ COMMITTED, Django's default, takes a fresh snapshot per statement).

``on_delete=PROTECT`` still applies in Django's collector before any SQL is sent.

SQLite (the embedded default) gets row triggers with the same effect. As with the append-only
triggers (attest/appendonly.py), a migration that rebuilds one of these tables on SQLite drops its
triggers with the old table and must install them again.
"""

from __future__ import annotations

from typing import Any

PG_SQL = [
    """
CREATE OR REPLACE FUNCTION attest_ledger_deployment_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM chain_deployment d WHERE d.id IN (SELECT DISTINCT deployment_id FROM new_rows) FOR KEY SHARE;
    SELECT n.deployment_id INTO missing
        FROM (SELECT DISTINCT deployment_id FROM new_rows) n
        LEFT JOIN chain_deployment d ON d.id = n.deployment_id
        WHERE d.id IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger entries refer to deployment %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION attest_ledger_deployment_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a ledger entry stays with its deployment (% to % refused)',
        OLD.deployment_id, NEW.deployment_id USING ERRCODE = 'foreign_key_violation';
END
$$
""",
    """
CREATE OR REPLACE FUNCTION attest_deployment_keeps_its_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM chain_ledgerentry WHERE deployment_id = OLD.id) THEN
        RAISE EXCEPTION 'deployment % still has ledger entries', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$
""",
    "CREATE TRIGGER ledger_deployment_exists AFTER INSERT ON chain_ledgerentry REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION attest_ledger_deployment_exists()",
    "CREATE TRIGGER ledger_deployment_fixed BEFORE UPDATE OF deployment_id ON chain_ledgerentry FOR EACH ROW "
    "WHEN (OLD.deployment_id IS DISTINCT FROM NEW.deployment_id) EXECUTE FUNCTION attest_ledger_deployment_fixed()",
    "CREATE TRIGGER deployment_keeps_its_ledger AFTER DELETE ON chain_deployment FOR EACH ROW "
    "EXECUTE FUNCTION attest_deployment_keeps_its_ledger()",
    "CREATE TRIGGER deployment_id_keeps_its_ledger AFTER UPDATE OF id ON chain_deployment FOR EACH ROW "
    "WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION attest_deployment_keeps_its_ledger()",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS ledger_deployment_exists ON chain_ledgerentry",
    "DROP TRIGGER IF EXISTS ledger_deployment_fixed ON chain_ledgerentry",
    "DROP TRIGGER IF EXISTS deployment_keeps_its_ledger ON chain_deployment",
    "DROP TRIGGER IF EXISTS deployment_id_keeps_its_ledger ON chain_deployment",
    "DROP FUNCTION IF EXISTS attest_ledger_deployment_exists()",
    "DROP FUNCTION IF EXISTS attest_ledger_deployment_fixed()",
    "DROP FUNCTION IF EXISTS attest_deployment_keeps_its_ledger()",
]

# SQLite's RAISE(ABORT, ...) is a constraint error, which Django raises as IntegrityError.
SQLITE_SQL = [
    "CREATE TRIGGER ledger_deployment_exists BEFORE INSERT ON chain_ledgerentry "
    "WHEN NOT EXISTS (SELECT 1 FROM chain_deployment WHERE id = NEW.deployment_id) "
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: ledger entry of a missing deployment'); END",
    "CREATE TRIGGER ledger_deployment_fixed BEFORE UPDATE OF deployment_id ON chain_ledgerentry "
    "WHEN OLD.deployment_id IS NOT NEW.deployment_id "
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a ledger entry stays with its deployment'); END",
    "CREATE TRIGGER deployment_keeps_its_ledger BEFORE DELETE ON chain_deployment "
    "WHEN EXISTS (SELECT 1 FROM chain_ledgerentry WHERE deployment_id = OLD.id) "
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: deployment still has ledger entries'); END",
    "CREATE TRIGGER deployment_id_keeps_its_ledger BEFORE UPDATE OF id ON chain_deployment "
    "WHEN OLD.id IS NOT NEW.id AND EXISTS (SELECT 1 FROM chain_ledgerentry WHERE deployment_id = OLD.id) "
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: deployment still has ledger entries'); END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_deployment_exists",
    "DROP TRIGGER IF EXISTS ledger_deployment_fixed",
    "DROP TRIGGER IF EXISTS deployment_keeps_its_ledger",
    "DROP TRIGGER IF EXISTS deployment_id_keeps_its_ledger",
]


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = PG_SQL if vendor == "postgresql" else SQLITE_SQL if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)  # the functions' % are not placeholders


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql)
