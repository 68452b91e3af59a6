"""Posting a coin's published reserves to its on-chain feed (docs/feeds.md).

What is posted is the coin's publication (reserves/publish.py), never a figure computed here: the
eligible reserves under the coin's headline licence (its worst), in token base units. A round is
posted when the answer moves past the feed's deviation threshold or its heartbeat has passed, and
never while the headline publication is unverified or its chain data stale or degraded: the
"ripcord". Consumers then see the heartbeat lapse, and a SecureMintGuard stops minting, instead of
reading a value nobody can vouch for.

Idempotent across workers and crashes: one poster per feed at a time (a renewed lease in Redis,
``attest.locks.single_flight``, so no database transaction stays open while the node is asked or a
receipt awaited), the decision starts from the contract's own latest round, the contract accepts only
``latestRound + 1``, and a round that reached the chain but not the database (a crash after sending)
is recovered from the chain on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from eth_account import Account
from eth_account.signers.local import LocalAccount

from attest.audit import audit_append
from attest.locks import single_flight
from chain.rpc import RpcClient, hex_int
from reserves.feeds.answer import current_answer
from reserves.feeds.onchain import OnchainRound, calldata, latest_round_id, round_at, send_transaction
from reserves.models import Feed, FeedRound, Publication
from reserves.readmodel import CoinState, coin_states


class NoSigner(RuntimeError):
    pass


def feed_signer() -> LocalAccount:
    """The account that posts rounds: FEED_SIGNER_KEY, or the file named by FEED_SIGNER_KEY_FILE."""
    key = str(settings.FEED_SIGNER_KEY)
    if not key:
        raise NoSigner("no feed signer: set FEED_SIGNER_KEY or FEED_SIGNER_KEY_FILE (docs/feeds.md)")
    account: LocalAccount = Account.from_key(key)
    return account


def deviates(new: int, old: int, deviation_bps: int) -> bool:
    if old == 0:
        return new != 0
    return abs(new - old) * 10_000 > deviation_bps * abs(old)


@dataclass(frozen=True)
class Decision:
    post: bool
    reason: str  # why it posts (first, deviation, heartbeat) or why not
    answer: int | None = None
    publication: Publication | None = None


def decide(*, state: CoinState | None, feed: Feed, last: OnchainRound | None, chain_time: int) -> Decision:
    """Whether to post a round now, and what. Pure: the caller reads the chain and the publications.

    The heartbeat is counted in the chain's time (its latest block's timestamp), which is the clock a
    consumer's ``block.timestamp - updatedAt`` uses.
    """
    answer, why_not = current_answer(state, feed.decimals)
    if answer is None or state is None or state.headline is None:
        return Decision(False, why_not)
    publication = state.headline.publication
    if last is None:
        return Decision(True, "first", answer, publication)
    if deviates(answer, last.answer, feed.deviation_bps):
        return Decision(True, "deviation", answer, publication)
    if chain_time - last.updated_at >= feed.heartbeat_seconds:
        return Decision(True, "heartbeat", answer, publication)
    return Decision(False, "within deviation and heartbeat")


def _block_time(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _recover(feed: Feed, rpc: RpcClient, onchain_latest: int) -> None:
    """Bring the database in line with the chain: drop rounds a reorg orphaned, and record rounds that
    reached the chain but not the database (a worker died after sending)."""
    # Rounds the database holds beyond the chain's latest were orphaned by a reorg: they never happened.
    for gone in FeedRound.objects.filter(feed=feed, round_id__gt=onchain_latest):
        with transaction.atomic():  # the entry and the deletion it records commit together
            audit_append(
                actor="system",
                action="feed.round_orphaned",
                object_type="feed",
                object_id=feed.pk,
                payload={"round_id": gone.round_id, "tx_hash": gone.tx_hash, "block_hash": gone.block_hash},
            )
            gone.delete()
    known = set(FeedRound.objects.filter(feed=feed).values_list("round_id", flat=True))
    for round_id in range(1, onchain_latest + 1):
        if round_id in known:
            continue
        r = round_at(rpc, feed.address, round_id)
        publication = Publication.objects.filter(pk=r.publication_id).first()
        if publication is None or publication.content_hash != r.publication_hash:
            raise RuntimeError(
                f"round {round_id} of the feed at {feed.address} names publication {r.publication_id} "
                f"with hash {r.publication_hash}, which this database does not hold: another poster?"
            )
        FeedRound.objects.create(
            feed=feed,
            round_id=round_id,
            answer=r.answer,
            publication=publication,
            publication_hash=r.publication_hash,
            reason="recovered",
            observed_at=_block_time(r.started_at),
            updated_at=_block_time(r.updated_at),
        )


def feed_publish(*, feed_id: int, signer: LocalAccount, now: datetime | None = None) -> FeedRound | None:
    """Post the coin's current reserves to the feed if they moved or the heartbeat is due.

    None when nothing is due, or when another worker is posting to this feed right now (it decides).
    """
    with single_flight(f"feed:{feed_id}") as mine:
        if not mine:
            return None
        return _publish(feed_id=feed_id, signer=signer, now=now)


def _publish(*, feed_id: int, signer: LocalAccount, now: datetime | None) -> FeedRound | None:
    feed = Feed.objects.select_related("deployment__network", "stablecoin").get(pk=feed_id)
    network = feed.deployment.network
    rpc = network.rpc()
    latest = latest_round_id(rpc, feed.address)
    _recover(feed, rpc, latest)
    last = round_at(rpc, feed.address, latest) if latest else None
    chain_time = hex_int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"])
    states = coin_states(published_only=False, symbol=feed.stablecoin.symbol, now=now or timezone.now())
    decision = decide(state=states[0] if states else None, feed=feed, last=last, chain_time=chain_time)
    if not decision.post or decision.answer is None or decision.publication is None:
        return None
    publication = decision.publication
    # startedAt is when the publication was evaluated, but never after the chain's own clock:
    # block time can lag the wall clock (a test chain rewound, a slow sequencer).
    observed = min(publication.evaluated_at, _block_time(chain_time))
    data = calldata(
        "postRound(uint80,int256,uint64,uint64,bytes32)",
        ["uint80", "int256", "uint64", "uint64", "bytes32"],
        [
            latest + 1,
            decision.answer,
            int(observed.timestamp()),
            publication.pk,
            bytes.fromhex(publication.content_hash),
        ],
    )
    receipt = send_transaction(
        rpc,
        signer,
        chain_id=network.chain_id,
        to=feed.address,
        data=data,
        timeout=float(settings.FEED_RECEIPT_TIMEOUT),
    )
    block = rpc.call("eth_getBlockByHash", [receipt["blockHash"], False])
    with transaction.atomic():  # the round and its audit entry commit together
        posted = FeedRound.objects.create(
            feed=feed,
            round_id=latest + 1,
            answer=decision.answer,
            publication=publication,
            publication_hash=publication.content_hash,
            reason=decision.reason,
            observed_at=observed,
            updated_at=_block_time(hex_int(block["timestamp"])),
            tx_hash=receipt["transactionHash"],
            block_number=hex_int(receipt["blockNumber"]),
            block_hash=receipt["blockHash"],
        )
        audit_append(
            actor="system",
            action="feed.round_posted",
            object_type="feed",
            object_id=feed.pk,
            payload={
                "stablecoin": feed.stablecoin.symbol,
                "chain_id": network.chain_id,
                "feed": feed.address,
                "round_id": posted.round_id,
                "answer": str(posted.answer),
                "publication": publication.pk,
                "publication_hash": publication.content_hash,
                "reason": posted.reason,
                "tx_hash": posted.tx_hash,
                "block_number": posted.block_number,
                "block_hash": posted.block_hash,
            },
        )
    return posted
