"""As a new user would: register a FiatTokenProxy-style deployment by network and address only, then
readsupply it at a past block and a past time (issue 11, "Done when")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chain.models import Deployment
from chain.quirks import detect_proxies
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, head, mine, send
from devtools.layouts import deploy_fiat_like, upgrade_fiat_like_to_v2_2

pytestmark = pytest.mark.django_db
OWNER, ALICE = DEV_ACCOUNTS[:2]
USD = 10**6


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def registry(path, url: str, token: str, extra: str = "") -> str:
    path.write_text(
        f"""networks:
  - {{name: local, chain_id: 31337, rpc_urls: ["{url}"], confirmations: 2}}
stablecoins:
  - symbol: USDCL
    name: USD Coin-like
    issuer: Circle-like Inc
    currency: USD
    deployments:
      - {{network: local, address: "{token}"{extra}}}
"""
    )
    return str(path)


def test_a_fiat_token_proxy_registered_by_network_and_address_reads_at_a_past_block_and_time(chain_snapshot, tmp_path):
    rpc = chain_snapshot.rpc
    token = deploy_fiat_like(rpc, owner=OWNER)
    send(rpc, token, "configureMinter(address,uint256)", [OWNER, 10**9 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [ALICE, 70_000 * USD], sender=OWNER)
    mine(rpc, 3, interval=600)
    past_block = head(rpc) - 1
    past_time = rpc.call("eth_getBlockByNumber", [hex(past_block), False])["timestamp"]
    v1 = detect_proxies(rpc, [token])[token].implementation  # type: ignore[union-attr]
    upgrade_fiat_like_to_v2_2(rpc, token, blacklisted=[], rescuer=OWNER)
    send(rpc, token, "mint(address,uint256)", [ALICE, 5_000 * USD], sender=OWNER)
    mine(rpc, 3, interval=600)

    loaded = run("loadregistry", registry(tmp_path / "registry.yaml", chain_snapshot.url, token))
    assert "OpenZeppelin 2.x / zos slot" in loaded and "6 decimals; kind proxy" in loaded
    dep = Deployment.objects.get(address=token)
    assert (dep.kind, dep.proxy_layout, dep.decimals) == ("proxy", "zeppelinos", 6)

    at_block = json.loads(run("readsupply", "USDCL", "--block", str(past_block), "--network", "local", "--json"))
    instant = datetime.fromtimestamp(int(past_time, 16) + 1, tz=UTC).isoformat()
    at_time = json.loads(run("readsupply", "USDCL", "--at", instant, "--json"))
    for report in (at_block, at_time):
        assert report["total_supply"] == "70000.000000"
        [d] = report["deployments"]
        assert (d["block_number"], d["implementation"], d["kind"]) == (past_block, v1, "proxy")
    assert json.loads(run("readsupply", "USDCL", "--json"))["total_supply"] == "75000.000000"


def test_a_stated_kind_that_disagrees_with_the_chain_is_a_clear_error(chain_snapshot, tmp_path):
    rpc = chain_snapshot.rpc
    proxied = deploy_fiat_like(rpc, owner=OWNER)
    plain = deploy_stablecoin(rpc, name="P", symbol="P", decimals=6, owner=OWNER, proxied=False)
    with pytest.raises(CommandError, match="registered as native but is a proxy"):
        run("loadregistry", registry(tmp_path / "a.yaml", chain_snapshot.url, proxied, ", kind: native"))
    with pytest.raises(CommandError, match="registered as a proxy but no known proxy slot is set"):
        run("loadregistry", registry(tmp_path / "b.yaml", chain_snapshot.url, plain, ", kind: proxy"))
    assert not Deployment.objects.exists()
