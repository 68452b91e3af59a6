"""Talking to an AttestReserveFeed (contracts/src/AttestReserveFeed.sol) over JSON-RPC.

Plain ``eth_abi`` encoding over ``chain.rpc.RpcClient`` like the rest of the chain layer; web3's
contract objects add nothing here. Transactions are signed locally by ``eth_account`` (a maintained
library: no hand-written signing) and sent raw, so the node never holds the key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from chain.rpc import RpcClient, RpcError, RpcTransportError, hex_int


class FeedError(RuntimeError):
    """The feed contract refused a call or a transaction, or answered something it should not."""


def calldata(signature: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (keccak(text=signature)[:4] + encode(types, args)).hex()


@dataclass(frozen=True)
class OnchainRound:
    round_id: int
    answer: int
    started_at: int
    updated_at: int
    publication_id: int
    publication_hash: str  # 64 hex characters, no 0x


def _call(rpc: RpcClient, to: str, data: str, block: str | dict[str, Any] = "latest") -> bytes:
    raw: str = rpc.call("eth_call", [{"to": to, "data": data}, block])
    return bytes.fromhex(raw[2:])


def latest_round_id(rpc: RpcClient, feed: str) -> int:
    raw = _call(rpc, feed, calldata("latestRound()", [], []))
    if len(raw) != 32:
        raise FeedError(f"latestRound() on {feed} returned {len(raw)} bytes: no AttestReserveFeed there?")
    value: int = decode(["uint80"], raw)[0]
    return value


def round_at(rpc: RpcClient, feed: str, round_id: int) -> OnchainRound:
    """Round ``round_id`` with its proof, both read at the same block."""
    block = rpc.call("eth_getBlockByNumber", ["latest", False])["hash"]
    pin = {"blockHash": block, "requireCanonical": True}
    data = _call(rpc, feed, calldata("getRoundData(uint80)", ["uint80"], [round_id]), pin)
    proof = _call(rpc, feed, calldata("proofOf(uint80)", ["uint80"], [round_id]), pin)
    rid, answer, started, updated, _ = decode(["uint80", "int256", "uint256", "uint256", "uint80"], data)
    pub_id, pub_hash = decode(["uint64", "bytes32"], proof)
    return OnchainRound(rid, answer, started, updated, pub_id, pub_hash.hex())


def feed_metadata(rpc: RpcClient, feed: str) -> dict[str, Any]:
    """What the contract says about itself, to check a registration against."""
    (decimals,) = decode(["uint8"], _call(rpc, feed, calldata("decimals()", [], [])))
    (heartbeat,) = decode(["uint32"], _call(rpc, feed, calldata("heartbeat()", [], [])))
    (deviation,) = decode(["uint32"], _call(rpc, feed, calldata("deviationBps()", [], [])))
    (description,) = decode(["string"], _call(rpc, feed, calldata("description()", [], [])))
    (poster,) = decode(["address"], _call(rpc, feed, calldata("poster()", [], [])))
    return {
        "decimals": decimals,
        "heartbeat": heartbeat,
        "deviation_bps": deviation,
        "description": description,
        "poster": poster,
    }


def send_transaction(
    rpc: RpcClient, account: LocalAccount, *, chain_id: int, to: str, data: str, timeout: float
) -> dict[str, Any]:
    """Sign and send a call; returns its receipt. Raises FeedError when it would revert or reverted.

    Gas is estimated first, which also turns a call that would revert (a round already posted by
    another worker) into a clear error before anything is sent or paid for.
    """
    call = {"from": account.address, "to": to, "data": data}
    try:
        gas = hex_int(rpc.call("eth_estimateGas", [call]))
    except RpcTransportError:
        raise
    except RpcError as exc:
        raise FeedError(f"the feed at {to} refuses the call: {exc}") from exc
    nonce = hex_int(rpc.call("eth_getTransactionCount", [account.address, "pending"]))
    base_fee = hex_int(rpc.call("eth_getBlockByNumber", ["latest", False]).get("baseFeePerGas") or "0x0")
    tip = hex_int(rpc.call("eth_maxPriorityFeePerGas"))
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "to": to,
        "data": data,
        "value": 0,
        "gas": gas + gas // 5,  # estimates are exact on anvil but not on every client
        "maxPriorityFeePerGas": tip,
        "maxFeePerGas": 2 * base_fee + tip,  # stays valid through a few full blocks of base-fee rises
    }
    signed = account.sign_transaction(tx)
    tx_hash: str = rpc.call("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex()])
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        receipt: dict[str, Any] | None = rpc.call("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            break
        if time.monotonic() >= deadline:
            raise FeedError(f"no receipt for {tx_hash} after {timeout:g} s; the next run finds the round on chain")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
    if hex_int(receipt["status"]) != 1:
        raise FeedError(f"transaction {tx_hash} to {to} reverted in block {hex_int(receipt['blockNumber'])}")
    return receipt
