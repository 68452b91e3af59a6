"""The ledger's hashes as 32 bytes instead of 66-character text (chain/fields.py), and its reference to
the deployment checked per statement by triggers instead of per row by a foreign key
(chain/ledger/reference.py). Both for the indexer's COPY (docs/benchmarks-ledger.md)."""

import django.db.models.deletion
from django.db import migrations, models

import chain.fields

HASHES = ("block_hash", "tx_hash")


# PostgreSQL: the column's new type and how each value converts (Django's own ALTER would cast the
# text's characters, not decode the hex). SQLite keeps a blob a blob whatever the declared type, so
# the values are converted in place; the next operation rebuilds the table with the declared types.
TO_BYTES = ("bytea", "decode(substr({c}, 3), 'hex')", lambda v: v if isinstance(v, bytes) else bytes.fromhex(v[2:]))
TO_TEXT = ("varchar(66)", "'0x' || encode({c}, 'hex')", lambda v: v if isinstance(v, str) else "0x" + bytes(v).hex())


def _convert(apps, schema_editor, to):
    pg_type, pg_using, convert = to
    table = apps.get_model("chain", "LedgerEntry")._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        for column in HASHES:
            using = pg_using.format(c=f'"{column}"')
            schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {pg_type} USING {using}')
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'SELECT id, block_hash, tx_hash FROM "{table}"')  # noqa: S608 - our table
        rows = cursor.fetchall()
        cursor.executemany(
            f'UPDATE "{table}" SET block_hash = %s, tx_hash = %s WHERE id = %s',  # noqa: S608 - our table
            [(convert(b), convert(t), pk) for pk, b, t in rows],
        )


def hashes_to_bytes(apps, schema_editor):
    _convert(apps, schema_editor, TO_BYTES)


def hashes_to_text(apps, schema_editor):
    _convert(apps, schema_editor, TO_TEXT)


def install(apps, schema_editor):
    from chain.ledger import reference

    reference.install(schema_editor)


def uninstall(apps, schema_editor):
    from chain.ledger import reference

    reference.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("chain", "0008_ledgerentry_no_separate_deployment_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="ledgerentry", name=name, field=chain.fields.HashField())
                for name in HASHES
            ],
            database_operations=[migrations.RunPython(hashes_to_bytes, hashes_to_text)],
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="deployment",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger",
                to="chain.deployment",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
