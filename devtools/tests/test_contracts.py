"""The test tokens behave like the issuers they model (peers.md §5), checked on a real anvil.

The supply reader's own tests rely on these quirks being present: Mint/Burn next to Transfer,
frozen balances that stay in totalSupply, Tether-style Issue/Redeem without Transfer, void
transfer returns and deprecation forwarding. No mocks: every assertion reads the chain.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from chain.rpc import RpcClient, RpcError, RpcTransportError
from devtools.devchain import (
    ARTIFACTS_DIR,
    DEV_ACCOUNTS,
    REPO_ROOT,
    Anvil,
    TransactionFailed,
    call_raw,
    call_uint,
    deploy,
    deploy_legacy_token,
    deploy_stablecoin,
    head,
    mine,
    proxy_implementation,
    revert,
    send,
    snapshot,
    upgrade_proxy,
)

OWNER, ALICE, BOB, CAROL = DEV_ACCOUNTS[:4]
ADMIN = DEV_ACCOUNTS[9]
ZERO = "0x0000000000000000000000000000000000000000"
USD = 10**6


def topic(event_signature: str) -> str:
    return "0x" + keccak(text=event_signature).hex()


def word(value: int | str) -> str:
    """An address or integer as the 32-byte hex word used in topics and log data."""
    number = int(value, 16) if isinstance(value, str) else value
    return "0x" + f"{number:064x}"


TRANSFER = topic("Transfer(address,address,uint256)")
MINT = topic("Mint(address,address,uint256)")
BURN = topic("Burn(address,uint256)")
BLACKLISTED = topic("Blacklisted(address)")
PAUSE = topic("Pause()")
UPGRADED = topic("Upgraded(address)")
ISSUE = topic("Issue(uint256)")
REDEEM = topic("Redeem(uint256)")
DESTROYED = topic("DestroyedBlackFunds(address,uint256)")
DEPRECATE = topic("Deprecate(address)")


def logs(receipt: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(entry["topics"], entry["data"]) for entry in receipt["logs"]]


def string_call(rpc: RpcClient, to: str, signature: str, sender: str | None = None) -> str:
    raw = call_raw(rpc, to, signature, [], sender=sender)
    value: str = decode(["string"], bytes.fromhex(raw[2:]))[0]
    return value


def supply(rpc: RpcClient, token: str) -> int:
    return call_uint(rpc, token, "totalSupply()", [])


def balance(rpc: RpcClient, token: str, holder: str) -> int:
    return call_uint(rpc, token, "balanceOf(address)", [holder])


def usd_token(rpc: RpcClient, *, proxied: bool = True, decimals: int = 6) -> str:
    return deploy_stablecoin(
        rpc, name="Attest USD", symbol="AUSD", decimals=decimals, owner=OWNER, proxied=proxied, admin=ADMIN
    )


def test_dev_accounts_are_anvils_unlocked_accounts(anvil: Anvil) -> None:
    assert [a.lower() for a in anvil.rpc.call("eth_accounts")] == [a.lower() for a in DEV_ACCOUNTS]
    assert all(to_checksum_address(a) == a for a in DEV_ACCOUNTS)
    assert int(anvil.rpc.call("eth_chainId"), 16) == 31337


@pytest.mark.parametrize("proxied", [True, False], ids=["proxied", "direct"])
def test_mint_emits_mint_and_transfer_and_raises_supply(chain_snapshot: Anvil, proxied: bool) -> None:
    rpc = chain_snapshot.rpc
    token = usd_token(rpc, proxied=proxied)
    assert supply(rpc, token) == 0

    receipt = send(rpc, token, "mint(address,uint256)", [ALICE, 250 * USD], sender=OWNER)

    assert all(entry["address"].lower() == token.lower() for entry in receipt["logs"])
    assert logs(receipt) == [
        ([MINT, word(OWNER), word(ALICE)], word(250 * USD)),
        ([TRANSFER, word(ZERO), word(ALICE)], word(250 * USD)),
    ]
    assert supply(rpc, token) == 250 * USD
    assert balance(rpc, token, ALICE) == 250 * USD
    with pytest.raises(TransactionFailed, match="not a minter"):
        send(rpc, token, "mint(address,uint256)", [ALICE, 1], sender=ALICE)


def test_burn_takes_from_the_minters_own_balance(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    token = usd_token(rpc)
    send(rpc, token, "mint(address,uint256)", [OWNER, 100 * USD], sender=OWNER)

    receipt = send(rpc, token, "burn(uint256)", [40 * USD], sender=OWNER)

    assert logs(receipt) == [
        ([BURN, word(OWNER)], word(40 * USD)),
        ([TRANSFER, word(OWNER), word(ZERO)], word(40 * USD)),
    ]
    assert supply(rpc, token) == 60 * USD
    assert balance(rpc, token, OWNER) == 60 * USD
    with pytest.raises(TransactionFailed, match="exceeds balance"):
        send(rpc, token, "burn(uint256)", [61 * USD], sender=OWNER)
    send(rpc, token, "transfer(address,uint256)", [ALICE, 10 * USD], sender=OWNER)
    with pytest.raises(TransactionFailed, match="not a minter"):
        send(rpc, token, "burn(uint256)", [USD], sender=ALICE)


def test_blacklisted_account_cannot_send_or_receive_but_stays_in_supply(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    token = usd_token(rpc)
    send(rpc, token, "mint(address,uint256)", [ALICE, 100 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [BOB, 50 * USD], sender=OWNER)
    send(rpc, token, "approve(address,uint256)", [CAROL, 10 * USD], sender=ALICE)

    receipt = send(rpc, token, "blacklist(address)", [ALICE], sender=OWNER)

    assert logs(receipt) == [([BLACKLISTED, word(ALICE)], "0x")]
    assert call_uint(rpc, token, "isBlacklisted(address)", [ALICE]) == 1
    refused: list[tuple[str, list[Any], str]] = [
        ("transfer(address,uint256)", [BOB, USD], ALICE),
        ("transfer(address,uint256)", [ALICE, USD], BOB),
        ("transferFrom(address,address,uint256)", [ALICE, BOB, USD], CAROL),
        ("mint(address,uint256)", [ALICE, USD], OWNER),
    ]
    for signature, args, sender in refused:
        with pytest.raises(TransactionFailed, match="blacklisted"):
            send(rpc, token, signature, args, sender=sender)
    assert balance(rpc, token, ALICE) == 100 * USD
    assert supply(rpc, token) == 150 * USD

    send(rpc, token, "unBlacklist(address)", [ALICE], sender=OWNER)
    send(rpc, token, "transfer(address,uint256)", [BOB, USD], sender=ALICE)
    assert balance(rpc, token, BOB) == 51 * USD


def test_pause_blocks_transfers_mint_and_burn(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    token = usd_token(rpc)
    send(rpc, token, "mint(address,uint256)", [OWNER, 10 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [ALICE, 10 * USD], sender=OWNER)
    with pytest.raises(TransactionFailed, match="not the owner"):
        send(rpc, token, "pause()", [], sender=ALICE)

    assert logs(send(rpc, token, "pause()", [], sender=OWNER)) == [([PAUSE], "0x")]

    paused: list[tuple[str, list[Any], str]] = [
        ("transfer(address,uint256)", [BOB, USD], ALICE),
        ("mint(address,uint256)", [BOB, USD], OWNER),
        ("burn(uint256)", [USD], OWNER),
    ]
    for signature, args, sender in paused:
        with pytest.raises(TransactionFailed, match="paused"):
            send(rpc, token, signature, args, sender=sender)
    assert supply(rpc, token) == 20 * USD

    send(rpc, token, "unpause()", [], sender=OWNER)
    send(rpc, token, "transfer(address,uint256)", [BOB, USD], sender=ALICE)
    assert balance(rpc, token, BOB) == USD


def test_initialize_runs_only_once(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    init = "initialize(string,string,uint8,address)"
    for proxied in (False, True):
        token = usd_token(rpc, proxied=proxied)
        with pytest.raises(TransactionFailed, match="already initialized"):
            send(rpc, token, init, ["Evil", "EVIL", 6, ALICE], sender=ALICE)
        assert string_call(rpc, token, "name()") == "Attest USD"
        assert call_uint(rpc, token, "decimals()", []) == 6


def test_upgrade_through_proxy_keeps_supply_and_balances(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    token = usd_token(rpc, proxied=True)
    send(rpc, token, "mint(address,uint256)", [ALICE, 700 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [BOB, 300 * USD], sender=OWNER)
    send(rpc, token, "blacklist(address)", [BOB], sender=OWNER)
    send(rpc, token, "approve(address,uint256)", [CAROL, 5 * USD], sender=ALICE)
    views = [
        ("totalSupply()", []),
        ("balanceOf(address)", [ALICE]),
        ("balanceOf(address)", [BOB]),
        ("allowance(address,address)", [ALICE, CAROL]),
        ("isBlacklisted(address)", [BOB]),
        ("isMinter(address)", [OWNER]),
        ("decimals()", []),
    ]
    before = [call_uint(rpc, token, sig, args) for sig, args in views]
    v1 = proxy_implementation(rpc, token)
    assert string_call(rpc, token, "version()") == "1"

    # Transparent proxy: upgradeTo from anyone but the admin reaches the token, which has none.
    v2 = deploy(rpc, "AttestStablecoinV2", [], [], sender=OWNER)
    for outsider in (OWNER, ALICE):
        with pytest.raises(TransactionFailed):
            send(rpc, token, "upgradeTo(address)", [v2], sender=outsider)
    assert proxy_implementation(rpc, token) == v1

    receipt = send(rpc, token, "upgradeTo(address)", [v2], sender=ADMIN)

    assert logs(receipt) == [([UPGRADED, word(v2)], "0x")]
    assert proxy_implementation(rpc, token) == v2
    assert call_raw(rpc, token, "implementation()", [], sender=ADMIN) == word(v2)
    assert [call_uint(rpc, token, sig, args) for sig, args in views] == before
    assert string_call(rpc, token, "version()") == "2"
    assert string_call(rpc, token, "symbol()") == "AUSD"
    balances = call_raw(rpc, token, "balancesOf(address[])", [[ALICE, BOB, CAROL]])
    assert list(decode(["uint256[]"], bytes.fromhex(balances[2:]))[0]) == [700 * USD, 300 * USD, 0]
    # The admin's calls are never forwarded, so the admin cannot read the token through the proxy.
    with pytest.raises(RpcError, match="admin cannot fallback"):
        call_raw(rpc, token, "totalSupply()", [], sender=ADMIN)


def test_legacy_issue_and_redeem_change_supply_without_transfer_logs(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    legacy = deploy_legacy_token(rpc, owner=OWNER, initial_supply=1_000 * USD)
    assert supply(rpc, legacy) == 1_000 * USD
    assert call_uint(rpc, legacy, "decimals()", []) == 6
    assert (string_call(rpc, legacy, "name()"), string_call(rpc, legacy, "symbol()")) == ("Legacy USD", "LUSD")

    issued = send(rpc, legacy, "issue(uint256)", [500 * USD], sender=OWNER)
    assert logs(issued) == [([ISSUE], word(500 * USD))]
    assert supply(rpc, legacy) == 1_500 * USD
    assert balance(rpc, legacy, OWNER) == 1_500 * USD

    redeemed = send(rpc, legacy, "redeem(uint256)", [200 * USD], sender=OWNER)
    assert logs(redeemed) == [([REDEEM], word(200 * USD))]
    assert supply(rpc, legacy) == 1_300 * USD
    assert balance(rpc, legacy, OWNER) == 1_300 * USD
    with pytest.raises(TransactionFailed, match="not the owner"):
        send(rpc, legacy, "issue(uint256)", [USD], sender=ALICE)


def test_legacy_transfer_returns_no_data(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    legacy = deploy_legacy_token(rpc, owner=OWNER, initial_supply=1_000 * USD)
    token = usd_token(rpc)
    send(rpc, token, "mint(address,uint256)", [OWNER, USD], sender=OWNER)

    assert call_raw(rpc, legacy, "transfer(address,uint256)", [ALICE, USD], sender=OWNER) == "0x"
    assert call_raw(rpc, legacy, "approve(address,uint256)", [ALICE, USD], sender=OWNER) == "0x"
    # For contrast: the FiatToken-like token returns an ABI-encoded true.
    assert call_raw(rpc, token, "transfer(address,uint256)", [ALICE, USD], sender=OWNER) == word(1)

    receipt = send(rpc, legacy, "transfer(address,uint256)", [ALICE, 30 * USD], sender=OWNER)
    assert logs(receipt) == [([TRANSFER, word(OWNER), word(ALICE)], word(30 * USD))]
    send(rpc, legacy, "approve(address,uint256)", [BOB, 10 * USD], sender=ALICE)
    with pytest.raises(TransactionFailed, match="reset allowance"):
        send(rpc, legacy, "approve(address,uint256)", [BOB, 20 * USD], sender=ALICE)
    args = [ALICE, CAROL, 4 * USD]
    assert call_raw(rpc, legacy, "transferFrom(address,address,uint256)", args, sender=BOB) == "0x"
    send(rpc, legacy, "transferFrom(address,address,uint256)", args, sender=BOB)
    assert [balance(rpc, legacy, a) for a in (OWNER, ALICE, CAROL)] == [970 * USD, 26 * USD, 4 * USD]
    assert supply(rpc, legacy) == 1_000 * USD


def test_legacy_destroy_black_funds_cuts_supply_without_transfer_log(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    legacy = deploy_legacy_token(rpc, owner=OWNER, initial_supply=1_000 * USD)
    send(rpc, legacy, "transfer(address,uint256)", [ALICE, 300 * USD], sender=OWNER)
    with pytest.raises(TransactionFailed, match="not blacklisted"):
        send(rpc, legacy, "destroyBlackFunds(address)", [ALICE], sender=OWNER)

    send(rpc, legacy, "addBlackList(address)", [ALICE], sender=OWNER)
    assert call_uint(rpc, legacy, "isBlackListed(address)", [ALICE]) == 1
    with pytest.raises(TransactionFailed, match="blacklisted"):
        send(rpc, legacy, "transfer(address,uint256)", [BOB, USD], sender=ALICE)
    assert supply(rpc, legacy) == 1_000 * USD  # frozen, not yet destroyed

    receipt = send(rpc, legacy, "destroyBlackFunds(address)", [ALICE], sender=OWNER)

    assert logs(receipt) == [([DESTROYED, word(ALICE)], word(300 * USD))]
    assert balance(rpc, legacy, ALICE) == 0
    assert supply(rpc, legacy) == 700 * USD


def test_legacy_deprecate_forwards_supply_reads_to_successor(chain_snapshot: Anvil) -> None:
    rpc = chain_snapshot.rpc
    legacy = deploy_legacy_token(rpc, owner=OWNER, initial_supply=1_000 * USD)
    send(rpc, legacy, "transfer(address,uint256)", [ALICE, 100 * USD], sender=OWNER)
    successor = usd_token(rpc)
    send(rpc, successor, "mint(address,uint256)", [ALICE, 42 * USD], sender=OWNER)
    send(rpc, successor, "mint(address,uint256)", [BOB, 8 * USD], sender=OWNER)
    assert call_uint(rpc, legacy, "deprecated()", []) == 0
    with pytest.raises(TransactionFailed, match="not the owner"):
        send(rpc, legacy, "deprecate(address)", [successor], sender=ALICE)

    receipt = send(rpc, legacy, "deprecate(address)", [successor], sender=OWNER)

    assert logs(receipt) == [([DEPRECATE], word(successor))]
    assert call_uint(rpc, legacy, "deprecated()", []) == 1
    assert call_uint(rpc, legacy, "upgradedAddress()", []) == int(successor, 16)
    assert supply(rpc, legacy) == supply(rpc, successor) == 50 * USD
    for holder in (OWNER, ALICE, BOB):
        assert balance(rpc, legacy, holder) == balance(rpc, successor, holder)
    assert balance(rpc, legacy, ALICE) == 42 * USD
    # Documented choice: writes on a deprecated LegacyToken revert instead of forwarding.
    writes: list[tuple[str, list[Any]]] = [("transfer(address,uint256)", [BOB, USD]), ("issue(uint256)", [USD])]
    for signature, args in writes:
        with pytest.raises(TransactionFailed, match="deprecated"):
            send(rpc, legacy, signature, args, sender=OWNER)
    assert call_uint(rpc, legacy, "decimals()", []) == 6


def test_18_decimal_stablecoin_on_second_chain(chain_b_snapshot: Anvil) -> None:
    rpc = chain_b_snapshot.rpc
    assert int(rpc.call("eth_chainId"), 16) == 31338
    token = usd_token(rpc, proxied=True, decimals=18)
    assert call_uint(rpc, token, "decimals()", []) == 18
    big = 123_456_789_012 * 10**18 + 1  # beyond 2**64 and float precision

    send(rpc, token, "mint(address,uint256)", [ALICE, big], sender=OWNER)
    send(rpc, token, "transfer(address,uint256)", [BOB, 10**18], sender=ALICE)
    send(rpc, token, "mint(address,uint256)", [OWNER, 5 * 10**18], sender=OWNER)
    send(rpc, token, "burn(uint256)", [2 * 10**18], sender=OWNER)

    assert supply(rpc, token) == big + 3 * 10**18
    assert balance(rpc, token, ALICE) == big - 10**18
    assert balance(rpc, token, BOB) == 10**18
    upgrade_proxy(rpc, token, admin=ADMIN)
    assert string_call(rpc, token, "version()") == "2"
    assert supply(rpc, token) == big + 3 * 10**18


def test_snapshot_and_revert_undo_blocks_and_deployments(anvil: Anvil) -> None:
    # The mechanism behind chain_snapshot, checked without relying on test order.
    rpc = anvil.rpc
    start = head(rpc)
    snapshot_id = snapshot(rpc)
    token = usd_token(rpc, proxied=False)
    mine(rpc, 3, interval=12)
    assert head(rpc) > start
    revert(rpc, snapshot_id)
    assert head(rpc) == start
    assert rpc.call("eth_getCode", [token, "latest"]) == "0x"


def test_anvil_lifecycle_leaves_nothing_behind() -> None:
    with Anvil(chain_id=4242, timestamp=1_700_000_000) as node:
        genesis = node.rpc.call("eth_getBlockByNumber", ["0x0", False])
        assert int(genesis["timestamp"], 16) == 1_700_000_000
        assert node.cache_path.is_dir()
        url = node.url
    assert not node.cache_path.exists()
    with pytest.raises(RpcTransportError):
        RpcClient([url], timeout=1.0, retries=0).call("eth_chainId")
    node.stop()  # idempotent


def test_artifacts_match_sources(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "node is needed to rebuild the contracts"
    result = subprocess.run(
        [node, "contracts/build.mjs", "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"contracts/build.mjs failed:\n{result.stderr}"
    rebuilt = sorted(p.name for p in tmp_path.glob("*.json"))
    committed = sorted(p.name for p in ARTIFACTS_DIR.glob("*.json"))
    stale = "devtools/artifacts is stale: run `node contracts/build.mjs` and commit the result"
    assert rebuilt == committed, stale
    for name in rebuilt:
        assert (tmp_path / name).read_bytes() == (ARTIFACTS_DIR / name).read_bytes(), f"{name}: {stale}"
