"""Reserve feeds and secure-mint guards on local chains, for the demo and the tests (docs/feeds.md).

The demo gives every demo coin a feed posted by anvil's dev account 7 (``DEMO_FEED_SIGNER_KEY``,
anvil's well-known key: never use it anywhere else), and puts EURA's minting behind a
SecureMintGuard: the issuer's own minter role is removed, so a mint beyond the published reserves
is refused on chain.
"""

from __future__ import annotations

from chain.models import Deployment
from chain.rpc import RpcClient
from devtools.devchain import DEV_ACCOUNTS, DEV_KEY_7, deploy, send
from reserves.feeds.register import feed_register
from reserves.models import Feed

# anvil's dev account 7 (mnemonic "test test ... junk"): public knowledge, for local chains only.
DEMO_FEED_SIGNER = DEV_ACCOUNTS[7]
DEMO_FEED_SIGNER_KEY = DEV_KEY_7
DEMO_HEARTBEAT = 300
DEMO_DEVIATION_BPS = 50
GUARDED_SYMBOL = "EURA"  # no treasury tokens on chain: totalSupply is what the public holds


def deploy_feed(
    rpc: RpcClient, *, decimals: int, description: str, heartbeat: int, deviation_bps: int, poster: str, owner: str
) -> str:
    types = ["uint8", "string", "uint32", "uint32", "address"]
    return deploy(rpc, "AttestReserveFeed", types, [decimals, description, heartbeat, deviation_bps, poster], owner)


def deploy_guard(rpc: RpcClient, *, feed: str, token: str, max_age: int, owner: str) -> str:
    return deploy(rpc, "SecureMintGuard", ["address", "address", "uint256"], [feed, token, max_age], owner)


def put_minting_behind_guard(rpc: RpcClient, *, token: str, guard: str, owner: str) -> None:
    """The guard becomes the token's only minter (AttestStablecoin roles)."""
    send(rpc, token, "configureMinter(address)", [guard], sender=owner)
    send(rpc, token, "removeMinter(address)", [owner], sender=owner)


def demo_feeds_seed(*, owner: str) -> list[str]:
    """A feed for every demo deployment that has none on chain; HKDA's mints go through a guard."""
    done: list[str] = []
    for deployment in Deployment.objects.select_related("stablecoin", "network").order_by("stablecoin__symbol"):
        rpc = deployment.network.rpc()
        existing = Feed.objects.filter(deployment=deployment).first()
        if existing is not None and rpc.call("eth_getCode", [existing.address, "latest"]) not in ("0x", None):
            continue
        Feed.objects.filter(deployment=deployment, rounds__isnull=True).delete()
        symbol = deployment.stablecoin.symbol
        address = deploy_feed(
            rpc,
            decimals=deployment.decimals,
            description=f"{symbol} reserves (Attest)",
            heartbeat=DEMO_HEARTBEAT,
            deviation_bps=DEMO_DEVIATION_BPS,
            poster=DEMO_FEED_SIGNER,
            owner=owner,
        )
        guard = ""
        if symbol == GUARDED_SYMBOL:
            guard = deploy_guard(rpc, feed=address, token=deployment.address, max_age=2 * DEMO_HEARTBEAT, owner=owner)
            put_minting_behind_guard(rpc, token=deployment.address, guard=guard, owner=owner)
        feed_register(deployment=deployment, address=address, guard_address=guard)
        done.append(
            f"deployed {symbol}'s reserve feed at {address}" + (f", minting behind guard {guard}" if guard else "")
        )
    return done
