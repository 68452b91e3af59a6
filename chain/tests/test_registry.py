"""loadregistry / exportregistry against real anvil nodes and PostgreSQL."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attest.models import AuditEntry, Licence, Stablecoin
from chain.models import Bucket, DeductionAddress, Deployment, Network
from devtools.devchain import DEV_ACCOUNTS, deploy_legacy_token, deploy_stablecoin

pytestmark = pytest.mark.django_db
OWNER, TREASURY, FROZEN, LOCKBOX = DEV_ACCOUNTS[:4]


def registry(url_a: str, url_b: str, token_a: str, token_b: str, *, decimals_b: int = 6) -> str:
    return f"""\
networks:
  - {{name: local, chain_id: 31337, rpc_urls: ["{url_a}"], confirmations: 2}}
  - {{name: other, chain_id: 31338, rpc_urls: ["{url_b}"], confirmations: 1}}
stablecoins:
  - symbol: HKDA
    name: HKD Attested
    issuer: Example Issuer Ltd
    currency: HKD
    par_value: "1"
    licences: [{{profile: HK, licence_id: FRS-TEST-1}}]
    deployments:
      - network: local
        address: "{token_a}"
        kind: proxy
        deductions:
          - {{bucket: treasury, address: "{TREASURY}", note: authorised but not issued}}
          - {{bucket: frozen, address: "{FROZEN}", note: blacklisted, evidence: "https://example.test/case/1"}}
      - network: other
        address: "{token_b}"
        decimals: {decimals_b}
        kind: bridged
        bridged_from: {{network: local, lockbox: "{LOCKBOX}"}}
"""


@pytest.fixture
def two_tokens(chain_snapshot, chain_b_snapshot):
    token_a = deploy_stablecoin(chain_snapshot.rpc, name="HKD A", symbol="HKDA", decimals=6, owner=OWNER, proxied=True)
    token_b = deploy_legacy_token(chain_b_snapshot.rpc, owner=OWNER, initial_supply=10**6, decimals=6)
    return chain_snapshot.url, chain_b_snapshot.url, token_a, token_b


def load(tmp_path: Path, text: str, name: str = "registry.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    out = StringIO()
    call_command("loadregistry", str(path), stdout=out)
    return out.getvalue()


def export(fmt: str = "yaml") -> str:
    out = StringIO()
    call_command("exportregistry", "--format", fmt, stdout=out)
    return out.getvalue()


def test_loading_a_registry_checks_decimals_on_chain_and_links_the_bridge_lockbox(tmp_path, two_tokens):
    assert "2 networks, 1 stablecoins, 2 deployments" in load(tmp_path, registry(*two_tokens))
    coin = Stablecoin.objects.get(symbol="HKDA")
    assert coin.issuer.name == "Example Issuer Ltd"
    assert Licence.objects.get(stablecoin=coin).licence_id == "FRS-TEST-1"
    source = Deployment.objects.get(network__name="local")
    # Defaults: the node's finalized block, cross-checked wherever a network has two URLs.
    assert (source.network.finality, source.network.cross_check) == ("finalized", True)
    assert source.decimals == 6  # read from the contract: the file left it out
    assert source.address == two_tokens[2]
    bridged = Deployment.objects.get(network__name="other")
    assert (bridged.kind, bridged.bridged_from, bridged.lockbox_address) == ("bridged", source.network, LOCKBOX)
    buckets = {(d.bucket, d.address) for d in source.deductions.all()}
    assert buckets == {(Bucket.TREASURY, TREASURY), (Bucket.FROZEN, FROZEN), (Bucket.BRIDGE_LOCKBOX, LOCKBOX)}
    assert source.deductions.get(bucket="frozen").evidence == "https://example.test/case/1"


def test_loading_the_same_file_twice_changes_nothing_and_export_round_trips(tmp_path, two_tokens):
    text = registry(*two_tokens)
    load(tmp_path, text)
    first = export()
    rows = (Network.objects.count(), Deployment.objects.count(), DeductionAddress.objects.count())
    # Every registered row is in the transparency log; a reload that changes nothing logs nothing.
    logged = set(AuditEntry.objects.filter(action__startswith="registry.").values_list("action", flat=True))
    assert {"registry.network.created", "registry.deployment.created", "registry.deductionaddress.created"} <= logged
    entries = AuditEntry.objects.count()
    load(tmp_path, text)
    assert (Network.objects.count(), Deployment.objects.count(), DeductionAddress.objects.count()) == rows
    assert export() == first
    assert AuditEntry.objects.count() == entries
    # The exported file is itself a registry: loading it is a no-op, in either format.
    load(tmp_path, first, "exported.yaml")
    assert export() == first
    as_json = export("json")
    load(tmp_path, as_json, "exported.json")
    assert json.loads(export("json")) == json.loads(as_json)


def test_a_bad_file_is_rejected_whole_naming_the_line_at_fault(tmp_path, two_tokens):
    text = registry(*two_tokens).replace("bucket: frozen", "bucket: freezer")
    with pytest.raises(CommandError) as caught:
        load(tmp_path, text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "freezer" in row)
    assert f"line {line}: HKDA on local: bucket 'freezer' is not one of" in str(caught.value)
    assert "nothing was saved" in str(caught.value)
    assert not Network.objects.exists() and not Stablecoin.objects.exists()


def test_decimals_that_disagree_with_the_contract_are_refused(tmp_path, two_tokens):
    text = registry(*two_tokens, decimals_b=18)
    with pytest.raises(CommandError, match=r"the registry says 18 decimals, the contract .* says 6"):
        load(tmp_path, text)
    assert not Deployment.objects.exists()


def test_a_network_whose_rpc_serves_another_chain_is_refused(tmp_path, two_tokens):
    url_a, url_b, token_a, token_b = two_tokens
    text = registry(url_b, url_a, token_a, token_b)  # the URLs swapped: 31337 answers as "other"
    with pytest.raises(CommandError, match=r"line 2: network local: .* serves chain id .*, not 31337"):
        load(tmp_path, text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('par_value: "1"', "par_value: 1.5"), 'write par_value as a string ("1.00"), not a float'),
        (("kind: proxy", "kind: proxy\n        colour: blue"), "unknown key 'colour' in deployment"),
        ((f'address: "{TREASURY}"', 'address: "0x1234"'), "20-byte hex address"),
        (("network: other", "network: elsewhere"), "unknown network 'elsewhere'"),
        (("note: authorised but not issued", "note: ''"), "the reason it is not outstanding"),
        (("licence_id: FRS-TEST-1", "licence_id: FRS-TEST-1, profile: XX"), "duplicate key 'profile'"),
        (("symbol: HKDA", "symbol: [HKDA"), "not valid YAML/JSON"),
        (("confirmations: 2}", "confirmations: 2, finality: soon}"), "finality must be finalized or confirmations"),
    ],
)
def test_malformed_entries_are_reported_with_their_line(tmp_path, two_tokens, change, message):
    old, new = change
    text = registry(*two_tokens).replace(old, new, 1)
    assert text != registry(*two_tokens)
    with pytest.raises(CommandError, match="line [0-9]+: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        load(tmp_path, text)
    assert not Stablecoin.objects.exists()


def test_a_mistyped_checksum_address_is_refused(tmp_path, two_tokens):
    url_a, url_b, token_a, token_b = two_tokens
    bad = token_a[:-1] + ("A" if token_a[-1] != "A" else "B")
    if bad[2:] == bad[2:].lower() or bad[2:] == bad[2:].upper():
        pytest.skip("address without mixed case")
    with pytest.raises(CommandError, match="fails its EIP-55 checksum"):
        load(tmp_path, registry(url_a, url_b, bad, token_b))


def test_a_chain_id_already_registered_under_another_name_is_refused(tmp_path, two_tokens):
    Network.objects.create(name="mainnet-ish", chain_id=31337)
    with pytest.raises(CommandError, match="line 2: network local: chain id 31337 is registered as mainnet-ish"):
        load(tmp_path, registry(*two_tokens))
    assert Network.objects.count() == 1


def test_a_tab_indented_json_registry_loads_and_its_errors_name_their_line(tmp_path, two_tokens):
    url_a, _url_b, token_a, _token_b = two_tokens
    doc = {
        "networks": [{"name": "local", "chain_id": 31337, "rpc_urls": [url_a], "confirmations": 0}],
        "stablecoins": [
            {
                "symbol": "HKDA",
                "name": "HKD",
                "issuer": "Example Issuer Ltd",
                "currency": "HKD",
                "par_value": "1",
                "deployments": [{"network": "local", "address": token_a, "kind": "proxy"}],
            }
        ],
    }
    text = json.dumps(doc, indent="\t")
    load(tmp_path, text, "registry.json")
    assert Deployment.objects.get().decimals == 6
    bad = text.replace('"kind": "proxy"', '"kind": "proxied"')
    line = next(i for i, row in enumerate(bad.splitlines(), 1) if "proxied" in row)
    with pytest.raises(CommandError, match=f"registry.json, line {line}: HKDA on local: kind 'proxied'"):
        load(tmp_path, bad, "registry.json")


def test_the_example_in_docs_registry_md_is_a_valid_registry():
    from chain.registry import registry_validate
    from chain.registry_sync import _deductions_wanted

    docs = (Path(__file__).resolve().parents[2] / "docs" / "registry.md").read_text()
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    plan = registry_validate(example, source="docs/registry.md")
    assert [n["name"] for n in plan.networks] == ["local", "other"]
    assert [c["symbol"] for c in plan.coins] == ["HKDA", "LUSD"]
    assert [(d.symbol, d.network, d.kind) for d in plan.deployments] == [
        ("HKDA", "local", "proxy"),
        ("HKDA", "other", "bridged"),
        ("LUSD", "local", "native"),
    ]
    hkda_local = plan.deployments[0]
    buckets = [d.bucket for d in _deductions_wanted(plan)[(hkda_local.network, hkda_local.address)]]
    assert buckets == ["treasury", "frozen", "bridge_lockbox"]


def test_an_address_that_is_another_coins_deployment_is_refused_and_nothing_is_saved(tmp_path, two_tokens):
    load(tmp_path, registry(*two_tokens))
    before = export()
    stolen = registry(*two_tokens).replace("symbol: HKDA", "symbol: HKDB")
    with pytest.raises(CommandError, match="is another coin's deployment"):
        load(tmp_path, stolen)
    assert export() == before  # HKDB was not created either: one transaction, rolled back
