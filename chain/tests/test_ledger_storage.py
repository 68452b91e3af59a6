"""How the ledger is stored: hashes as bytes, the reference to the deployment checked per statement
(chain/ledger/reference.py), on PostgreSQL with concurrent transactions and on the embedded SQLite,
and the indexer's early fetch of the next window (during the store; one request per window, nothing
fetched twice)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from chain.fields import HashField
from chain.ledger.index import Row, _insert_entries, ledger_index_network
from chain.models import Deployment, LedgerCursor, LedgerEntry
from chain.tests.faulty import FaultyRpc
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from tests.processes import wait_until

REPO = Path(__file__).resolve().parents[2]
OWNER, ALICE = DEV_ACCOUNTS[:2]
BLOCK = "0x" + "ab" * 32
TX = "0x" + "cd" * 32


def _row(deployment_id: int, log_index: int = 0) -> Row:
    return (
        deployment_id,
        31337,
        5,
        bytes.fromhex(BLOCK[2:]),
        bytes.fromhex(TX[2:]),
        log_index,
        "mint",
        "",
        7,
        1,
        True,
        False,
    )


FIELDS = {"chain_id": 31337, "block_number": 5, "block_hash": BLOCK, "tx_hash": TX, "log_index": 0, "event": "mint",
          "account": "", "amount": 7, "direction": 1, "counted": True}  # fmt: skip


def _entry(deployment: Deployment, **fields) -> LedgerEntry:
    return LedgerEntry.objects.create(deployment=deployment, **(FIELDS | fields))


@pytest.mark.django_db
def test_hashes_are_stored_as_32_bytes_and_read_back_as_hex(network, register):
    deployment = register("HSH", "0x" + "11" * 20)
    _entry(deployment, block_hash=BLOCK.upper().replace("0X", "0x"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT octet_length(block_hash), octet_length(tx_hash) FROM chain_ledgerentry")
        assert cursor.fetchone() == (32, 32)
    assert LedgerEntry.objects.get().block_hash == BLOCK
    assert list(LedgerEntry.objects.filter(block_hash__in=[BLOCK]).values_list("block_number", "block_hash")) == [
        (5, BLOCK)
    ]
    for bad in ("ab" * 32, "0x" + "ab" * 31, "0x" + "zz" * 32, "0x" + "ab " * 31 + "ab", b"\x01" * 31):
        with pytest.raises(ValidationError):
            HashField().get_prep_value(bad)


@pytest.mark.django_db
def test_a_ledger_row_of_a_missing_deployment_is_refused_by_copy_and_by_the_orm(network, register):
    deployment = register("REF", "0x" + "22" * 20)
    missing = deployment.pk + 1000

    with pytest.raises(IntegrityError, match=f"deployment {missing}"), transaction.atomic():
        _insert_entries([_row(deployment.pk), _row(missing, 1)])  # the COPY path: one check for the whole statement
    with pytest.raises(IntegrityError), transaction.atomic():
        _entry(deployment, deployment_id=missing)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.bulk_create([LedgerEntry(**FIELDS, deployment_id=missing)])

    with transaction.atomic():
        _insert_entries([_row(deployment.pk), _row(deployment.pk, 1)])
    assert LedgerEntry.objects.filter(deployment=deployment).count() == 2


@pytest.mark.django_db
def test_a_deployment_keeps_its_ledger_and_a_row_keeps_its_deployment(network, register):
    deployment = register("KEP", "0x" + "33" * 20)
    other = register("OTH", "0x" + "44" * 20)
    _entry(deployment)

    for sql, params in (
        ("DELETE FROM chain_deployment WHERE id = %s", [deployment.pk]),  # past Django's PROTECT
        ("UPDATE chain_deployment SET id = id + 1000 WHERE id = %s", [deployment.pk]),
        ("UPDATE chain_ledgerentry SET deployment_id = %s", [other.pk]),
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    LedgerEntry.objects.update(confirmed=True)  # any other update is fine
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM chain_deployment WHERE id = %s", [other.pk])  # no ledger: may go
    assert list(LedgerEntry.objects.values_list("deployment_id", "confirmed")) == [(deployment.pk, True)]


def _dsn() -> str:
    settings = connection.settings_dict
    return f"host={settings['HOST']} port={settings['PORT'] or 5432} user={settings['USER']} dbname={settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_delete_racing_an_uncommitted_ledger_insert_waits_for_it_and_then_fails(network, register):
    """The race a per-statement check must close: the deployment is deleted while an indexer's rows
    are in flight. The inserter's check locks the deployment (FOR KEY SHARE), so the delete waits,
    and the delete's own check, run after the wait, sees the committed rows and refuses."""
    deployment = register("RAC", "0x" + "55" * 20)
    inserter = psycopg.connect(_dsn())
    deleter = psycopg.connect(_dsn(), autocommit=True)
    outcome: list[BaseException | None] = []
    try:
        inserter.execute(
            "INSERT INTO chain_ledgerentry (deployment_id, chain_id, block_number, block_hash, tx_hash, log_index, "
            "event, account, amount, direction, counted, confirmed) "
            "VALUES (%s, 1, 5, %s, %s, 0, 'mint', '', 7, 1, true, false)",
            [deployment.pk, bytes(32), bytes(32)],
        )

        def delete() -> None:
            try:
                deleter.execute("DELETE FROM chain_ledgercursor WHERE deployment_id = %s", [deployment.pk])
                deleter.execute("DELETE FROM chain_deployment WHERE id = %s", [deployment.pk])
                outcome.append(None)
            except psycopg.Error as exc:
                outcome.append(exc)

        racer = threading.Thread(target=delete)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the delete did not wait for the inserting transaction"
        inserter.commit()
        racer.join(timeout=30)
        assert outcome and isinstance(outcome[0], psycopg.errors.ForeignKeyViolation), outcome
    finally:
        inserter.close()
        deleter.close()
    assert Deployment.objects.filter(pk=deployment.pk).exists()
    assert LedgerEntry.objects.filter(deployment_id=deployment.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_insert_racing_an_uncommitted_delete_waits_for_it_and_then_fails(network, register):
    deployment = register("RAD", "0x" + "66" * 20)
    deleter = psycopg.connect(_dsn())
    outcome: list[BaseException | None] = []
    try:
        deleter.execute("DELETE FROM chain_deployment WHERE id = %s", [deployment.pk])

        def insert() -> None:
            try:
                with transaction.atomic():
                    _insert_entries([_row(deployment.pk)])
                outcome.append(None)
            except IntegrityError as exc:
                outcome.append(exc)
            finally:
                connection.close()

        racer = threading.Thread(target=insert)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the insert did not wait for the deleting transaction"
        deleter.commit()
        racer.join(timeout=30)
        assert outcome and isinstance(outcome[0], IntegrityError), outcome
    finally:
        deleter.close()
    assert not LedgerEntry.objects.exists()


SQLITE_PROBE = """
import django; django.setup()
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
call_command('migrate', verbosity=0)
from attest.models import Issuer, Stablecoin
from chain.models import Deployment, LedgerEntry, Network
net = Network.objects.create(name='n', chain_id=1, rpc_urls=['http://127.0.0.1:1'])
coin = Stablecoin.objects.create(issuer=Issuer.objects.create(name='I'), symbol='S', name='S', currency='USD')
dep = Deployment.objects.create(stablecoin=coin, network=net, address='0x' + '77' * 20, decimals=6)
fields = dict(chain_id=1, block_number=5, block_hash='0x' + 'ab' * 32, tx_hash='0x' + 'cd' * 32, log_index=0,
              event='mint', account='', amount=7, direction=1, counted=True)


def refused(action):
    try:
        with transaction.atomic():
            action()
    except IntegrityError as exc:
        print('refused:', exc)
    else:
        raise SystemExit('not refused')


refused(lambda: LedgerEntry.objects.create(deployment_id=dep.pk + 9, **fields))
LedgerEntry.objects.create(deployment=dep, **fields)
refused(lambda: connection.cursor().execute('DELETE FROM chain_deployment WHERE id = %s', [dep.pk]))
refused(lambda: LedgerEntry.objects.update(deployment_id=dep.pk + 9))
stored = LedgerEntry.objects.get()
assert stored.block_hash == '0x' + 'ab' * 32, stored.block_hash
assert LedgerEntry.objects.filter(block_hash__in=['0x' + 'ab' * 32]).count() == 1
print('probe ok')
"""


def test_the_embedded_sqlite_keeps_the_same_ledger_rules(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("refused: FOREIGN KEY constraint failed") == 3, done.stdout
    assert "probe ok" in done.stdout


@pytest.mark.django_db(transaction=True)
def test_each_window_is_fetched_once_and_the_next_while_the_previous_one_is_stored(chain_snapshot, network, register):
    """The next window is fetched during the store, and used: one request per window, none repeated.
    The first store is held on a table lock, and the second window's request arrives meanwhile (without
    the early fetch it would wait for the lock). A second deployment joining late (its start block)
    changes the plan mid-way and is followed too."""
    rpc = chain_snapshot.rpc
    first = deploy_stablecoin(rpc, name="Early USD", symbol="EUSD", decimals=6, owner=OWNER, proxied=False)
    late = deploy_stablecoin(rpc, name="Late USD", symbol="LTUS", decimals=6, owner=OWNER, proxied=False)
    start = int(rpc.call("eth_blockNumber"), 16) + 1
    late_mints = {}
    for amount in range(1, 7):
        send(rpc, first, "mint(address,uint256)", [ALICE, amount], sender=OWNER)
        send(rpc, late, "mint(address,uint256)", [ALICE, 10 * amount], sender=OWNER)
        late_mints[10 * amount] = int(rpc.call("eth_blockNumber"), 16)
        mine(rpc, 3)
    head = int(rpc.call("eth_blockNumber"), 16)
    early = register("EUSD", first)
    joining = register("LTUS", late)
    LedgerCursor.objects.create(deployment=early, start_block=start)
    LedgerCursor.objects.create(deployment=joining, start_block=start + 9)
    proxy = FaultyRpc(chain_snapshot.url)
    network.rpc_urls = [proxy.url]
    network.save(update_fields=["rpc_urls"])
    failed: list[BaseException] = []

    def index() -> None:
        try:
            ledger_index_network(network=network, window=4)
        except BaseException as exc:  # the assertion below shows it
            failed.append(exc)
        finally:
            connection.close()

    blocker = psycopg.connect(_dsn())
    indexer = threading.Thread(target=index)
    try:
        blocker.execute("LOCK TABLE chain_ledgerentry IN SHARE ROW EXCLUSIVE MODE")  # reads pass, writes wait
        indexer.start()
        wait_until(lambda: proxy.requests >= 3 or failed, timeout=30, what="the second window asked for")
        assert proxy.requests == 3 and not LedgerEntry.objects.exists()  # chain id and head, two windows, no row
        blocker.commit()
        indexer.join(timeout=60)
    finally:
        blocker.close()
        proxy.close()
    assert not failed and not indexer.is_alive(), failed

    windows = -(-(head - start + 1) // 4)
    assert proxy.requests == 1 + windows  # chain id and head, then one batch per window
    assert [e.delta for e in LedgerEntry.objects.filter(deployment=early, counted=True)] == [1, 2, 3, 4, 5, 6]
    joined = [e.delta for e in LedgerEntry.objects.filter(deployment=joining, counted=True)]
    assert joined == [amount for amount, block in late_mints.items() if block >= start + 9]
    assert 0 < len(joined) < 6


MIGRATION_PROBE = """
import django; django.setup()
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
call_command("migrate", "chain", "0008", verbosity=0)
before = ("chain", "0008_ledgerentry_no_separate_deployment_index")
old = MigrationExecutor(connection).loader.project_state(before).apps
net = old.get_model("chain", "Network").objects.create(name="m", chain_id=5, rpc_urls=["http://127.0.0.1:1"])
issuer = old.get_model("attest", "Issuer").objects.create(name="I")
coin = old.get_model("attest", "Stablecoin").objects.create(issuer=issuer, symbol="S", name="S", currency="USD")
dep = old.get_model("chain", "Deployment").objects.create(
    stablecoin=coin, network=net, address="0x" + "11" * 20, decimals=6
)
old.get_model("chain", "LedgerEntry").objects.create(
    deployment=dep, chain_id=5, block_number=3, block_hash="0x" + "ab" * 32, tx_hash="0x" + "cd" * 32, log_index=1,
    event="mint", account="", amount=5, direction=1, counted=True,
)
call_command("migrate", verbosity=0)
from chain.models import LedgerEntry
entry = LedgerEntry.objects.get()
assert (entry.block_hash, entry.tx_hash) == ("0x" + "ab" * 32, "0x" + "cd" * 32), entry.block_hash
try:
    connection.cursor().execute("DELETE FROM chain_deployment WHERE id = %s", [dep.pk])
    raise SystemExit("delete not refused")
except IntegrityError:
    pass
call_command("migrate", "chain", "0008", verbosity=0)
with connection.cursor() as cursor:
    cursor.execute("SELECT block_hash, tx_hash FROM chain_ledgerentry")
    assert cursor.fetchall() == [("0x" + "ab" * 32, "0x" + "cd" * 32)]
print("probe ok")
"""


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_the_migration_keeps_stored_hashes_both_ways(tmp_path, vendor):
    """Ledger rows stored as text before chain.0009 read back the same after it, and again after
    migrating back, on the embedded SQLite and on PostgreSQL (a database of the test's own)."""
    if vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    else:
        name = f"attest_migration_probe_{os.getpid()}"
        admin = psycopg.connect(_dsn().replace(connection.settings_dict["NAME"], "postgres"), autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        settings = connection.settings_dict
        url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}/{name}"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", MIGRATION_PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=240
        )
    finally:
        if vendor == "postgresql":
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "probe ok" in done.stdout
