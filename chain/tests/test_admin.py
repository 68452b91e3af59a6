"""The registry in the admin: addresses are checksummed, deployments can be checked against their chain."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from chain.models import Deployment
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin

pytestmark = pytest.mark.django_db
OWNER, TREASURY = DEV_ACCOUNTS[0], DEV_ACCOUNTS[2]


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.test", "x"))
    return client


def test_the_admin_action_reports_decimals_that_disagree_with_the_contract(staff, chain_snapshot):
    token = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    dep = deployment(coin("USDX", "USD"), network(chain_snapshot), token, decimals=18)
    response = staff.post(
        "/admin/chain/deployment/",
        {"action": "check_against_chain", "_selected_action": [dep.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "the registry says 18 decimals, the contract" in text
    Deployment.objects.filter(pk=dep.pk).update(decimals=6)
    response = staff.post(
        "/admin/chain/deployment/", {"action": "check_against_chain", "_selected_action": [dep.pk]}, follow=True
    )
    assert "1 deployments match their chains" in response.content.decode()


def test_the_admin_refuses_a_mistyped_checksum_and_a_deduction_without_a_reason(staff, anvil):
    net = network(anvil)
    usdx = coin("USDX", "USD")
    good = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    form = {
        "stablecoin": usdx.pk,
        "network": net.pk,
        "address": good.replace("F", "f", 1),
        "decimals": 6,
        "kind": "native",
        "deductions-TOTAL_FORMS": "1",
        "deductions-INITIAL_FORMS": "0",
        "deductions-0-bucket": "treasury",
        "deductions-0-address": TREASURY,
        "deductions-0-note": " ",
    }
    text = staff.post("/admin/chain/deployment/add/", form).content.decode()
    assert "fails its EIP-55 checksum" in text
    assert "say why these tokens are not outstanding" in text
    assert not Deployment.objects.exists()
    form.update({"address": good.lower(), "deductions-0-note": "authorised but not issued"})
    assert staff.post("/admin/chain/deployment/add/", form).status_code == 302
    assert Deployment.objects.get().address == good  # stored checksummed
