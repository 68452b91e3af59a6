"""A filing's page says what became of its reconciliation at its as-of instant, and never more than that.

A node that keeps no state at the as-of block (a full node, here anvil with ``--prune-history``) refuses the
pinned read: the page says so and why, instead of "reload in a few seconds" forever. A run of the coin's
latest supply that relied on the filing is not shown as its as-of reconciliation.
"""

from __future__ import annotations

import pytest

from attest.tests.conftest import alpha_signed_draft, login
from chain.blocks import block_by_number
from chain.models import Network
from chain.rpc import RpcError
from chain.services import supply_read_network
from chain.tests.helpers import deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, head, mine, send
from jobs import workflows
from jobs.models import OutboxMessage
from jobs.tests.outbox_helpers import outbox_drain
from reserves.models import ReconciliationRun
from reserves.services import stablecoin_reconcile

pytestmark = pytest.mark.django_db
OWNER, HOLDER = DEV_ACCOUNTS[:2]


def test_a_filing_whose_as_of_block_its_node_cannot_serve_says_why(issuer_alice, alpha, auditor_dan):
    with Anvil(chain_id=31353, extra_args=["--prune-history", "4"]) as node:
        token = deploy_stablecoin(node.rpc, name="A", symbol="ALPHA", decimals=6, owner=OWNER, proxied=False)
        send(node.rpc, token, "mint(address,uint256)", [HOLDER, 990_000 * 10**6], sender=OWNER)
        as_of = block_by_number(node.rpc, head(node.rpc)).time
        mine(node.rpc, 20, interval=1)  # the as-of block falls out of the node's kept state
        deployment(alpha, network(node), token, decimals=6)
        draft = alpha_signed_draft(issuer_alice, alpha, auditor_dan, as_of=as_of, chain_id=31353)
        filed = workflows.attestation_submit(user=issuer_alice, attestation=draft)
        page = f"/attestations/{filed.pk}/"
        assert 'id="outcome-pending"' in login(issuer_alice).get(page).content.decode()

        with pytest.raises(RpcError, match="archive node"):
            outbox_drain()  # the attestation's own reconciliation, as a worker runs it
        [work] = OutboxMessage.objects.filter(done_at__isnull=False).exclude(error="")
        assert "archive node" in work.error
        # The coin is judged meanwhile on its latest supply: a run that relies on the filing, not its as-of run.
        supply_read_network(network=Network.objects.get(chain_id=31353))
        [now_run] = stablecoin_reconcile(stablecoin=alpha, trigger="schedule")
        assert now_run.attestation_id == filed.pk and now_run.inputs["readings_basis"] == "latest_as_of_unread"

    english = login(issuer_alice).get(page).content.decode()
    assert 'id="outcome-failed"' in english and "archive node" in english
    assert 'id="outcome-pending"' not in english and "Reconciled at its as-of instant" not in english
    chinese = login(issuer_alice).get(page, HTTP_ACCEPT_LANGUAGE="zh-Hant-HK").content.decode()
    assert "未能讀取截至時點的流通量" in chinese
    assert not ReconciliationRun.objects.filter(attestation=filed, trigger="attestation").exists()
