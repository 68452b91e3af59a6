"""The ledger's hashes as 32 bytes instead of 66-character text (chain/fields.py), and its reference to
the deployment checked per statement by triggers instead of per row by a foreign key
(chain/ledger/reference.py). Both for the indexer's COPY (docs/benchmarks-ledger.md)."""

import django.db.models.deletion
from django.db import migrations, models

import chain.fields

HASHES = ("block_hash", "tx_hash")


def hashes_to_bytes(apps, schema_editor):
    LedgerEntry = apps.get_model("chain", "LedgerEntry")
    table = LedgerEntry._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        for column in HASHES:
            # Django's own ALTER would cast the text's characters; decode the hex instead.
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE bytea USING decode(substr("{column}", 3), \'hex\')'
            )
        return
    # SQLite stores a blob as a blob whatever the column's declared type; the next operation rebuilds
    # the table with the new declared types and copies the values across.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'SELECT id, block_hash, tx_hash FROM "{table}"')  # noqa: S608 - our table
        rows = cursor.fetchall()
        cursor.executemany(
            f'UPDATE "{table}" SET block_hash = %s, tx_hash = %s WHERE id = %s',  # noqa: S608 - our table
            [(bytes.fromhex(b[2:]), bytes.fromhex(t[2:]), pk) for pk, b, t in rows if isinstance(b, str)],
        )


def hashes_to_text(apps, schema_editor):
    LedgerEntry = apps.get_model("chain", "LedgerEntry")
    table = LedgerEntry._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        for column in HASHES:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar(66) '
                f"USING '0x' || encode(\"{column}\", 'hex')"
            )
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'SELECT id, block_hash, tx_hash FROM "{table}"')  # noqa: S608 - our table
        rows = cursor.fetchall()
        cursor.executemany(
            f'UPDATE "{table}" SET block_hash = %s, tx_hash = %s WHERE id = %s',  # noqa: S608 - our table
            [("0x" + bytes(b).hex(), "0x" + bytes(t).hex(), pk) for pk, b, t in rows if not isinstance(b, str)],
        )


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
