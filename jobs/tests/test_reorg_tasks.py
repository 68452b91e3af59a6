"""Reorgs on a real anvil, through the workflow and the tasks: orphan, reconcile, re-read, rewind."""

from __future__ import annotations

import pytest
from django.conf import settings

from attest.locks import single_flight
from chain.ledger.checks import ledger_delta
from chain.ledger.index import CursorOrphaned, ledger_index_network
from chain.models import LedgerCursor, LedgerEntry, ReadingStatus
from chain.services import readings_latest, supply_read_network

# The reorg helpers and the token fixture are the chain tests' own, shared rather than copied.
from chain.tests.test_reorg import ALICE, BOB, OWNER, block_hash, head, token  # noqa: F401 - a fixture
from devtools.devchain import mine, revert, send, snapshot
from jobs import workflows
from jobs.tasks import ledger_index_network_task

pytestmark = pytest.mark.django_db


def test_a_reorg_orphans_the_reading_discards_the_ledger_rows_and_both_are_redone_from_the_new_chain(
    chain_snapshot,
    network,
    token,  # noqa: F811 - the imported fixture
):
    rpc = chain_snapshot.rpc
    ledger_index_network(network=network)
    fork = snapshot(rpc)
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 100], sender=OWNER)
    mine(rpc, 3)
    [old_reading] = supply_read_network(network=network, stablecoin=token.stablecoin)
    ledger_index_network(network=network)
    assert old_reading.total_supply == 100
    assert LedgerEntry.objects.filter(deployment=token).count() == 2
    old_head = head(rpc)

    revert(rpc, fork)  # the other history: a different mint, and a longer chain
    send(rpc, token.address, "mint(address,uint256)", [BOB, 7], sender=OWNER)
    mine(rpc, 5)
    assert block_hash(rpc, old_reading.block_number) != old_reading.block_hash
    assert head(rpc) > old_head

    outcome = workflows.reorg_check(network=network)

    old_reading.refresh_from_db()
    assert outcome.stablecoin_ids == [token.stablecoin_id]
    assert old_reading.status == ReadingStatus.ORPHANED
    assert outcome.orphaned_readings == [old_reading.pk]
    assert outcome.discarded_ledger_rows == 2
    assert LedgerEntry.objects.filter(deployment=token).count() == 0
    cursor = LedgerCursor.objects.get(deployment=token)
    # No block of the old range was ever checked at depth, so nothing below it is vouched for: start over.
    assert (cursor.block_number, cursor.block_hash) == (-1, "")
    # Re-read at once from the new chain; what is published is the new reading, never the orphan.
    assert outcome.reread == 1
    [latest] = readings_latest(stablecoin=token.stablecoin)
    assert latest.pk != old_reading.pk
    assert latest.block_hash == block_hash(rpc, latest.block_number)
    assert latest.total_supply == 7

    ledger_index_network(network=network)
    assert [e.delta for e in LedgerEntry.objects.filter(deployment=token, counted=True)] == [7]
    assert ledger_delta(deployment=token, after_block=-1, through_block=head(rpc)) == 7


def test_the_indexer_will_not_continue_from_an_orphaned_cursor_and_its_task_rewinds_first(
    chain_snapshot,
    network,
    token,  # noqa: F811 - the imported fixture
):
    rpc = chain_snapshot.rpc
    fork = snapshot(rpc)
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 100], sender=OWNER)
    ledger_index_network(network=network)
    revert(rpc, fork)
    send(rpc, token.address, "mint(address,uint256)", [BOB, 7], sender=OWNER)
    mine(rpc, 1)

    with pytest.raises(CursorOrphaned):
        ledger_index_network(network=network)
    ledger_index_network_task(network.pk)

    assert [e.delta for e in LedgerEntry.objects.filter(deployment=token, counted=True)] == [7]


def test_a_second_indexing_run_on_the_same_network_at_the_same_time_does_nothing(chain_snapshot, network, token):  # noqa: F811 - the imported fixture
    send(chain_snapshot.rpc, token.address, "mint(address,uint256)", [ALICE, 5], sender=OWNER)
    with single_flight(f"ledger-index:{network.pk}", lease=30) as mine_:
        assert mine_
        assert ledger_index_network_task(network.pk) == 0
    assert not LedgerEntry.objects.exists()
    assert ledger_index_network_task(network.pk) == 2


def test_beat_runs_the_ledger_indexer_and_the_reorg_check_at_their_intervals():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["jobs.tasks.ledger_index_all_task"] == float(settings.LEDGER_INDEX_INTERVAL)
    assert schedule["jobs.tasks.reorg_check_all_task"] == float(settings.REORG_CHECK_INTERVAL)
