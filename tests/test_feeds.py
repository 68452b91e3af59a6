"""On-chain reserve feeds on anvil: rounds on deviation and heartbeat, the ripcord, the secure-mint
guard, recovery after a crash, and two workers racing for one round (docs/feeds.md)."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from eth_abi.abi import decode
from eth_account import Account

from attest.audit import canonical_json
from attest.models import Attestation, Stablecoin
from attest.services import HoldingInput, attestation_create, attestation_submit
from attest.validation import AttestationDetails
from chain.health import network_read_failed
from chain.models import Network
from chain.services import supply_read_all
from devtools.demo import OWNER, demo_seed
from devtools.devchain import DEV_ACCOUNTS, DEV_KEY_7, TransactionFailed, call_raw, encode_call, send
from devtools.feeds import DEMO_HEARTBEAT, GUARDED_SYMBOL
from jobs import workflows
from reserves.feeds.answer import answer_of
from reserves.feeds.publisher import feed_publish
from reserves.models import Feed, FeedRound, PublicationHead
from reserves.services import attestation_reconcile, stablecoin_reconcile
from tests.processes import wait_until

pytestmark = [pytest.mark.slow]

SIGNER = Account.from_key(DEV_KEY_7)


def _seed(anvil) -> None:
    demo_seed(rpc_url=anvil.url)
    for attestation in Attestation.objects.all():
        attestation_reconcile(attestation=attestation)
    supply_read_all(network=Network.objects.get())
    for coin in Stablecoin.objects.all():
        stablecoin_reconcile(stablecoin=coin, trigger="manual")


@pytest.fixture
def demo(anvil, chain_snapshot, db) -> None:
    _seed(anvil)


def _feed(symbol: str) -> Feed:
    return Feed.objects.select_related("deployment__network").get(stablecoin__symbol=symbol)


def _latest(anvil, feed: Feed) -> tuple[int, int, int, int, int]:
    raw = call_raw(anvil.rpc, feed.address, "latestRoundData()", [])
    return decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes.fromhex(raw[2:]))


def _headline_reserves(symbol: str) -> Decimal:
    heads = PublicationHead.objects.filter(stablecoin__symbol=symbol).select_related("publication")
    return min(Decimal(h.publication.figures["reserves"]) for h in heads)


def _pass_time(anvil, seconds: int) -> None:
    anvil.rpc.call("evm_increaseTime", [hex(seconds)])
    anvil.rpc.call("anvil_mine", ["0x1"])


def _file_hkda(reserves: str) -> None:
    user = get_user_model().objects.get(username="hkissuer")
    now = datetime.now(UTC).replace(microsecond=0)
    attestation = attestation_create(
        user=user,
        stablecoin=Stablecoin.objects.get(symbol="HKDA"),
        as_of=now,
        as_of_timezone="UTC",
        holdings=[HoldingInput("demand_deposit", "First Example Bank", "HKD", Decimal(reserves))],
        details=AttestationDetails(
            ceo_name="Ada Chief", ceo_certified_at=now, cfo_name="Bo Money", cfo_certified_at=now
        ),
    )
    attestation_reconcile(attestation=attestation_submit(user=user, attestation=attestation))


def test_rounds_carry_the_published_reserves_and_their_proof(demo, anvil, settings):
    feed = _feed("HKDA")
    settings.FEED_SIGNER_KEY = DEV_KEY_7
    assert workflows.feed_publish(feed_id=feed.pk) is True  # the task's path: post, then refresh the API answer
    first = FeedRound.objects.get(feed=feed, round_id=1)
    expected = answer_of(_headline_reserves("HKDA"), 6)
    round_id, answer, _, updated_at, answered_in = _latest(anvil, feed)
    assert (round_id, answer, answered_in) == (1, expected, 1) and first.answer == expected
    assert first.reason == "first" and first.block_hash.startswith("0x") and first.tx_hash

    # The proof: the round names a publication whose content hashes to what the chain holds.
    raw = call_raw(anvil.rpc, feed.address, "proofOf(uint80)", [1])
    pub_id, pub_hash = decode(["uint64", "bytes32"], bytes.fromhex(raw[2:]))
    body = Client().get(f"/api/v1/publications/{pub_id}/").json()
    digest = hashlib.sha256(canonical_json(body["content"]).encode()).hexdigest()
    assert digest == pub_hash.hex() == body["content_hash"]

    # The API names the feed and carries the same figure as the chain.
    detail = Client().get("/api/v1/stablecoins/HKDA/").json()
    (shown,) = detail["feeds"]
    assert shown["address"] == feed.address and shown["chain_id"] == feed.deployment.network.chain_id
    assert shown["last_round"]["answer"] == str(answer) == shown["current_answer"]
    assert Decimal(shown["last_round"]["reserves"]) == Decimal(answer).scaleb(-6)
    assert shown["heartbeat_seconds"] == DEMO_HEARTBEAT and shown["decimals"] == 6

    # Nothing moved, no heartbeat due: no round.
    assert feed_publish(feed_id=feed.pk, signer=SIGNER) is None
    # The heartbeat passes on chain: a round with the same answer.
    _pass_time(anvil, DEMO_HEARTBEAT)
    beat = feed_publish(feed_id=feed.pk, signer=SIGNER)
    assert beat is not None and (beat.round_id, beat.reason, beat.answer) == (2, "heartbeat", expected)
    assert _latest(anvil, feed)[3] > updated_at

    # A filing with 5% more reserves moves the answer past the 0.5% deviation: a round at once.
    _file_hkda(str(_headline_reserves("HKDA") * Decimal("1.05")))
    moved = feed_publish(feed_id=feed.pk, signer=SIGNER)
    assert moved is not None and moved.reason == "deviation" and moved.round_id == 3
    assert moved.answer == answer_of(_headline_reserves("HKDA"), 6) == _latest(anvil, feed)[1]


def test_the_ripcord_holds_back_unverified_coins(demo, anvil):
    # USDS's attestation is 120 days old: unverified, so its feed never gets a round.
    usds = _feed("USDS")
    assert feed_publish(feed_id=usds.pk, signer=SIGNER) is None
    assert call_raw(anvil.rpc, usds.address, "latestRound()", []) == "0x" + "0" * 64
    detail = Client().get("/api/v1/stablecoins/USDS/").json()
    assert detail["feeds"][0]["current_answer"] is None and "ripcord" in detail["feeds"][0]["held_back"]

    # HKDA posts, then its chain reads fail: degraded, and no heartbeat round follows.
    hkda = _feed("HKDA")
    assert feed_publish(feed_id=hkda.pk, signer=SIGNER) is not None
    network_read_failed(network_id=hkda.deployment.network_id, error="connection refused")
    stablecoin_reconcile(stablecoin=hkda.stablecoin, trigger="supply")
    _pass_time(anvil, DEMO_HEARTBEAT + 1)
    assert feed_publish(feed_id=hkda.pk, signer=SIGNER) is None
    assert FeedRound.objects.filter(feed=hkda).count() == 1


def test_the_guard_mints_within_reserves_only(demo, anvil):
    feed = _feed(GUARDED_SYMBOL)
    token = feed.deployment.address
    guard = feed.guard_address
    rpc = anvil.rpc
    # No round yet: the guard refuses every mint.
    with pytest.raises(TransactionFailed, match="no reserve round"):
        send(rpc, guard, "mint(address,uint256)", [DEV_ACCOUNTS[5], 1], sender=OWNER)
    posted = feed_publish(feed_id=feed.pk, signer=SIGNER)
    assert posted is not None
    supply = int(call_raw(rpc, token, "totalSupply()", []), 16)
    room = posted.answer - supply
    assert room > 0
    # The issuer's own minter role is gone: minting goes through the guard.
    with pytest.raises(TransactionFailed, match="not a minter"):
        send(rpc, token, "mint(address,uint256)", [DEV_ACCOUNTS[5], 1], sender=OWNER)
    with pytest.raises(TransactionFailed, match="mint exceeds reserves"):
        send(rpc, guard, "mint(address,uint256)", [DEV_ACCOUNTS[5], room + 1], sender=OWNER)
    send(rpc, guard, "mint(address,uint256)", [DEV_ACCOUNTS[5], room], sender=OWNER)
    assert int(call_raw(rpc, token, "totalSupply()", []), 16) == posted.answer
    with pytest.raises(TransactionFailed, match="mint exceeds reserves"):
        send(rpc, guard, "mint(address,uint256)", [DEV_ACCOUNTS[5], 1], sender=OWNER)
    # A round older than the guard's limit stops minting altogether (fails closed).
    _pass_time(anvil, 2 * DEMO_HEARTBEAT + 1)
    allowed = call_raw(rpc, guard, "mintAllowed(uint256)", [0])
    ok, reason = decode(["bool", "string"], bytes.fromhex(allowed[2:]))
    assert (ok, reason) == (False, "SecureMintGuard: reserve round is stale")


def test_the_database_follows_the_chain_after_a_crash_and_a_reorg(demo, anvil):
    feed = _feed("HKDB")
    before = anvil.rpc.call("evm_snapshot")
    head = PublicationHead.objects.select_related("publication").get(stablecoin__symbol="HKDB")
    p = head.publication
    answer = answer_of(Decimal(p.figures["reserves"]), 6)
    # What a worker killed after sending (before its commit) leaves: the round on chain only.
    data = encode_call(
        "postRound(uint80,int256,uint64,uint64,bytes32)",
        [1, answer, int(p.evaluated_at.timestamp()), p.pk, bytes.fromhex(p.content_hash)],
    )
    anvil.rpc.call("eth_sendTransaction", [{"from": DEV_ACCOUNTS[7], "to": feed.address, "data": data}])
    # Round 1 is recovered, never posted twice; a heartbeat may already be due on the test chain's
    # clock (earlier tests move it on), and then the next round is 2.
    nxt = feed_publish(feed_id=feed.pk, signer=SIGNER)
    assert nxt is None or nxt.round_id == 2
    recovered = FeedRound.objects.get(feed=feed, round_id=1)
    assert (recovered.round_id, recovered.reason, recovered.answer, recovered.publication_id) == (
        1,
        "recovered",
        answer,
        p.pk,
    )
    # A reorg takes round 1 away: the row is dropped (and logged) and the round posted again.
    anvil.rpc.call("evm_revert", [before])
    again = feed_publish(feed_id=feed.pk, signer=SIGNER)
    assert again is not None and (again.round_id, again.reason) == (1, "first") and again.tx_hash
    assert FeedRound.objects.filter(feed=feed).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_post_one_round(anvil, chain_snapshot):
    _seed(anvil)
    feed = _feed("HKDA")
    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(feed_publish(feed_id=feed.pk, signer=SIGNER))
        except Exception as exc:  # the assertion below shows it
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    posted = [r for r in results if isinstance(r, FeedRound)]
    assert len(posted) == 1 and results.count(None) == 1, results
    assert FeedRound.objects.filter(feed=feed).count() == 1
    assert call_raw(anvil.rpc, feed.address, "latestRound()", []) == "0x" + "0" * 63 + "1"


@pytest.mark.django_db(transaction=True)
def test_no_database_lock_is_held_while_a_round_waits_for_its_block(anvil, chain_snapshot):
    """A poster waiting for its receipt (up to FEED_RECEIPT_TIMEOUT) holds a lease in Redis, not the feed's
    row: the database stays free, and a second poster steps aside at once instead of queueing behind it."""
    _seed(anvil)
    feed = _feed("HKDA")
    results: list[object] = []

    def post() -> None:
        try:
            results.append(feed_publish(feed_id=feed.pk, signer=SIGNER))
        except Exception as exc:  # the assertion below shows it
            results.append(exc)
        finally:
            connection.close()

    anvil.rpc.call("evm_setAutomine", [False])  # the round's transaction waits in the pool for its block
    poster = threading.Thread(target=post)
    poster.start()
    try:
        wait_until(lambda: int(anvil.rpc.call("txpool_status")["pending"], 16) == 1, timeout=30, what="the round sent")
        with transaction.atomic():
            Feed.objects.select_for_update(nowait=True).get(pk=feed.pk)  # raises if the poster held the row
        assert feed_publish(feed_id=feed.pk, signer=SIGNER) is None
    finally:
        anvil.rpc.call("evm_setAutomine", [True])
        anvil.rpc.call("evm_mine")
        poster.join(timeout=60)
    [posted] = results
    assert isinstance(posted, FeedRound) and posted.round_id == 1, results
    assert FeedRound.objects.filter(feed=feed).count() == 1
