"""A real anvil reorg deeper than the network's confirmations: caught, and everything that stood on it redone.

The old history mints 1,000 tokens against HK$500 of reserves (under-collateralised, R1 open); the
readings are confirmed at the network's depth of 2 blocks. Then ``anvil_reorg`` replaces the last 20-odd
blocks with a history that minted 400. The reorg check must orphan the confirmed readings, redo the
attestation's as-of runs and the coin's current runs and publications on the new chain, resolve the
flag raised from the orphaned figures, leave no ledger finding behind, and keep ``verifyrun`` able to
re-read what is published.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from celery import current_app
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from attest.models import Licence, Membership, Role
from attest.services import HoldingInput, attestation_create
from chain.ledger.index import ledger_index_network
from chain.models import ReadingStatus, SupplyReading
from chain.rpc import hex_int
from chain.services import supply_read_network
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, encode_call, mine, send
from jobs import workflows
from reserves.models import Flag, FlagStatus, PublicationHead, ReconciliationRun

pytestmark = pytest.mark.django_db
OWNER, ALICE = DEV_ACCOUNTS[:2]


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks enqueued on commit run in this process, as a worker would run them."""
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = before


def _verify(run: ReconciliationRun, url: str) -> str:
    out = io.StringIO()
    try:
        call_command("verifyrun", str(run.pk), "--rpc", url, stdout=out)
    except CommandError as exc:
        return f"FAILED {out.getvalue()} {exc}"
    return out.getvalue()


def _published_run(stablecoin) -> ReconciliationRun:
    head = PublicationHead.objects.select_related("publication__run").get(stablecoin=stablecoin, profile="HK")
    assert head.publication.run is not None
    return head.publication.run


def test_a_reorg_deeper_than_the_confirmations_is_caught_and_everything_on_it_is_redone(
    chain_snapshot, eager, django_capture_on_commit_callbacks
):
    rpc, capture = chain_snapshot.rpc, django_capture_on_commit_callbacks
    token = deploy_stablecoin(rpc, name="HKD", symbol="HKDR", decimals=6, owner=OWNER, proxied=False)
    stablecoin = coin("HKDR", "HKD")
    Licence.objects.create(stablecoin=stablecoin, profile="HK", licence_id="HK-R")
    net = network(chain_snapshot, confirmations=2)
    deployment(stablecoin, net, token, decimals=6)
    mine(rpc, 3)
    [before_mint] = supply_read_network(network=net)  # supply 0, the common ancestor's state
    nonce = hex_int(rpc.call("eth_getTransactionCount", [OWNER, "latest"]))
    send(rpc, token, "mint(address,uint256)", [ALICE, 1000 * 10**6], sender=OWNER)
    forked_at = hex_int(rpc.call("eth_blockNumber"))  # the mint's block: where the histories part
    mine(rpc, 20)

    # The issuer attests HK$500 now; its as-of runs pin supply at the as-of instant: 1,000 tokens.
    user = get_user_model().objects.create_user(username="hkr-staff")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=stablecoin.issuer)
    attestation = attestation_create(
        user=user,
        stablecoin=stablecoin,
        as_of=timezone.now(),
        as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "Harbour Bank", "HKD", Decimal(500))],
    )
    with capture(execute=True):
        workflows.attestation_submit(user=user, attestation=attestation)
    ledger_index_network(network=net)
    with capture(execute=True):
        workflows.reorg_check(network=net)
        workflows.ledger_reconcile(network=net)
    old = SupplyReading.objects.exclude(pk=before_mint.pk).get()
    assert (old.total_supply, old.status) == (1000 * 10**6, ReadingStatus.CONFIRMED)
    old_run = _published_run(stablecoin)
    assert old_run.outstanding == 1000 and old_run.status == "under_collateralised"
    assert Flag.objects.get(stablecoin=stablecoin, rule="R1").status == FlagStatus.OPEN
    assert "OK" in _verify(old_run, chain_snapshot.url)

    # The deep reorg: every block from the mint on is replaced, by a history that minted 400.
    depth = hex_int(rpc.call("eth_blockNumber")) - forked_at + 1
    assert depth > net.confirmations * 10
    mint_400 = {"from": OWNER, "to": token, "data": encode_call("mint(address,uint256)", [ALICE, 400 * 10**6])}
    rpc.call("anvil_reorg", [depth, [[{**mint_400, "nonce": hex(nonce), "gas": hex(300_000)}, 0]]])
    assert "FAILED" in _verify(old_run, chain_snapshot.url)  # the published run's block is gone

    with capture(execute=True):
        outcome = workflows.reorg_check(network=net)
    old.refresh_from_db()
    assert old.status == ReadingStatus.ORPHANED
    assert outcome.orphaned_confirmed == [old.pk]  # it had been confirmed: deeper than the finality depth
    assert outcome.reread == 1

    # The coin now, redone on the new chain: 400 tokens, backed, the flag from the orphaned figures resolved.
    new_run = _published_run(stablecoin)
    assert new_run.outstanding == 400 and new_run.status == "backed"
    assert old.pk not in {r["reading_id"] for r in new_run.inputs["readings"]}
    assert Flag.objects.get(stablecoin=stablecoin, rule="R1").status == FlagStatus.RESOLVED
    assert "OK" in _verify(new_run, chain_snapshot.url)
    # The attestation's as-of runs were redone too, pinned at the as-of instant on the new chain.
    as_of_runs = ReconciliationRun.objects.filter(
        attestation=attestation, trigger="attestation", inputs__readings_basis="as_of"
    ).order_by("pk")
    # (Before the reorg the coin may be judged at its as-of more than once: R4's input, how long the
    # shortfall has lasted, grows with the runs. Every one of those said 1,000; the redone one says 400.)
    figures = [r.outstanding for r in as_of_runs]
    assert set(figures[:-1]) == {1000} and figures[-1] == 400
    redone = as_of_runs.last()
    assert redone is not None and "OK" in _verify(redone, chain_snapshot.url)

    # The ledger was rewound to the common ancestor and re-indexed from the new chain: no finding.
    ledger_index_network(network=net)
    mine(rpc, 3)
    with capture(execute=True):
        workflows.reorg_check(network=net)
        workflows.ledger_reconcile(network=net)
    assert not Flag.objects.filter(stablecoin=stablecoin, rule="R18").exclude(status=FlagStatus.RESOLVED).exists()
    # Nothing raised from the orphaned data stays open (R22/R25 judge the filing's report type and
    # opinion, which this test's bare attestation does not give: they are not the reorg's doing).
    still_open = Flag.objects.filter(stablecoin=stablecoin).exclude(status=FlagStatus.RESOLVED)
    assert set(still_open.values_list("rule", flat=True)) <= {"R22", "R25"}
