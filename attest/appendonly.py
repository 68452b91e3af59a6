"""Database triggers that make the transparency log's tables append-only (installed by a migration).

PostgreSQL: a row trigger rejects UPDATE and DELETE, a statement trigger rejects TRUNCATE (which row
triggers never see) unless the session has ``attest.allow_truncate = on``: only the test database
sets it, so pytest-django can empty the tables between tests. SQLite (the embedded default): row
triggers reject UPDATE and DELETE; SQLite has no TRUNCATE, and a trigger also stops its
``DELETE FROM`` shortcut. A superuser can still disable triggers; that is what signed heads and the
independent monitor are for (docs/transparency-log.md).

Beware on SQLite: a migration that rebuilds one of these tables drops its triggers with the old
table; ``manage.py verifyaudit`` reports missing triggers (``triggers_missing``).
"""

from __future__ import annotations

from typing import Any

TABLES = ("attest_auditentry", "attest_auditnode", "attest_treehead")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION attest_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('attest.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the transparency log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END
$$
"""


def trigger_names(table: str) -> list[str]:
    return [f"{table}_no_update", f"{table}_no_delete", f"{table}_no_truncate"]


def _pg_sql(table: str) -> list[str]:
    no_update, no_delete, no_truncate = trigger_names(table)
    run = "EXECUTE FUNCTION attest_append_only()"
    return [
        f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} FOR EACH ROW {run}",
        f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} FOR EACH ROW {run}",
        f"CREATE TRIGGER {no_truncate} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {run}",
    ]


def _sqlite_sql(table: str) -> list[str]:
    no_update, no_delete, _ = trigger_names(table)
    refuse = "SELECT RAISE(ABORT, 'the transparency log is append-only: {op} on " + table + " refused')"
    return [
        f"CREATE TRIGGER {no_update} BEFORE UPDATE ON {table} BEGIN {refuse.format(op='UPDATE')}; END",
        f"CREATE TRIGGER {no_delete} BEFORE DELETE ON {table} BEGIN {refuse.format(op='DELETE')}; END",
    ]


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # its % are not placeholders
        for table in TABLES:
            for sql in _pg_sql(table):
                schema_editor.execute(sql)
    elif vendor == "sqlite":
        for table in TABLES:
            for sql in _sqlite_sql(table):
                schema_editor.execute(sql)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        for name in trigger_names(table):
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            elif vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS attest_append_only()")


def triggers_missing(connection: Any) -> list[str]:
    """The append-only triggers that should exist on this database and do not (or are disabled)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'attest_%%' AND tgenabled <> 'D'")
            wanted = [n for t in TABLES for n in trigger_names(t)]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            wanted = [n for t in TABLES for n in trigger_names(t)[:2]]
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in wanted if n not in present]
