"""A contract created after the block asked for held no tokens there: it reads zero, not an error.

Found by CI: an attestation dated an instant before its token's first block pinned a read where no
contract was yet; the read failed, the pinned run was never made and the outbox gave the message up. A
coin that adds a chain after an attestation's date meets the same thing. A wrong address (no code at
the head either) still fails: reading it as zero would hide liabilities.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from attest.services import attestation_create
from attest.tests.conftest import holdings
from attest.validation import IssuerFigureInput
from chain.blocks import block_by_number
from chain.models import SupplyReading
from chain.services import TargetsFailed, supply_read_network
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, head, mine, send, set_next_block_timestamp
from devtools.layouts import deploy_fiat_like, deploy_tether_like
from reserves.services import attestation_reconcile

pytestmark = pytest.mark.django_db
OWNER, ALICE, TREASURY, NOBODY = DEV_ACCOUNTS[0], DEV_ACCOUNTS[1], DEV_ACCOUNTS[3], DEV_ACCOUNTS[7]
USD = 10**6


def test_tokens_of_every_layout_read_zero_before_their_contract_existed_and_right_after(chain_snapshot):
    rpc = chain_snapshot.rpc
    mine(rpc, 1)
    before = head(rpc)
    plain = deploy_stablecoin(rpc, name="P", symbol="PLN", decimals=6, owner=OWNER, proxied=False)
    send(rpc, plain, "mint(address,uint256)", [ALICE, 70 * USD], sender=OWNER)
    send(rpc, plain, "mint(address,uint256)", [TREASURY, 5 * USD], sender=OWNER)
    fiat = deploy_fiat_like(rpc, owner=OWNER)  # behind a zos-slot proxy
    send(rpc, fiat, "configureMinter(address,uint256)", [OWNER, 100 * USD], sender=OWNER)
    send(rpc, fiat, "mint(address,uint256)", [ALICE, 40 * USD], sender=OWNER)
    tether = deploy_tether_like(rpc, owner=OWNER, initial_supply=30 * USD)  # asked deprecated() first
    mine(rpc, 1)
    net = network(chain_snapshot)
    usd = coin("NEWX", "USD")
    deployment(usd, net, plain, decimals=6, deductions=[("treasury", TREASURY)])
    deployment(usd, net, fiat, decimals=6, proxy_layout="zeppelinos")
    deployment(usd, net, tether, decimals=6, follow_successor=True)

    then = supply_read_network(network=net, stablecoin=usd, block_number=before)
    assert {(r.block_number, r.total_supply) for r in then} == {(before, 0)}
    assert len(then) == 3
    [with_treasury] = [r for r in then if r.balances]
    assert [b["raw"] for b in with_treasury.balances] == ["0"]
    assert {r.implementation for r in then} == {plain, fiat, tether}  # no code answered: the address stands

    now = {r.deployment.address: r.total_supply for r in supply_read_network(network=net, stablecoin=usd)}
    assert now == {plain: 75 * USD, fiat: 40 * USD, tether: 30 * USD}


def test_an_address_with_no_code_at_the_head_either_still_fails_at_a_past_block(chain_snapshot):
    rpc = chain_snapshot.rpc
    mine(rpc, 1)
    net = network(chain_snapshot)
    wrong = coin("WRNG", "USD")
    deployment(wrong, net, NOBODY, decimals=6)
    with pytest.raises(TargetsFailed, match="no contract there"):
        supply_read_network(network=net, stablecoin=wrong, block_number=head(rpc) - 1)
    assert not SupplyReading.objects.filter(deployment__stablecoin=wrong).exists()


def test_an_attestation_dated_before_its_token_existed_gets_its_pinned_run_and_it_verifies(issuer_alice, alpha):
    with Anvil(chain_id=31351) as node:
        rpc = node.rpc
        mine(rpc, 1)
        before = block_by_number(rpc, head(rpc))
        set_next_block_timestamp(rpc, before.timestamp + 1)  # the token's first block is a second later
        token = deploy_stablecoin(rpc, name="A", symbol="ALPHA", decimals=6, owner=OWNER, proxied=False)
        send(rpc, token, "mint(address,uint256)", [ALICE, 990_000 * USD], sender=OWNER)
        mine(rpc, 1)
        deployment(alpha, network(node), token, decimals=6)
        draft = attestation_create(
            user=issuer_alice,
            stablecoin=alpha,
            as_of=before.time,
            as_of_timezone="UTC",
            holdings=holdings(),
            issuer_figures=[IssuerFigureInput(31351, Decimal(0))],
        )

        runs = attestation_reconcile(attestation=draft)  # the as-of run, then the coin's state now
        [run] = [r for r in runs if r.inputs["readings_basis"] == "as_of"]
        [reading] = run.inputs["readings"]
        assert (reading["block_number"], reading["block_hash"], reading["total_supply"]) == (
            before.number,
            before.hash,
            "0",
        )
        out = io.StringIO()
        call_command("verifyrun", str(run.pk), "--rpc", node.url, stdout=out)
        assert "OK (re-read 1 reading(s)" in out.getvalue()
