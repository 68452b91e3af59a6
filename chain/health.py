"""Each network's read health: last success, last error, consecutive failures.

Written after every read attempt with a single UPDATE (no transaction held, no read-modify-write
race between workers). ``consecutive_failures > 0`` means the newest attempt failed even after the
RPC client's retries and fail-over, so figures built on this network's readings are "degraded":
the old readings are still shown, but never as current.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from chain.models import Deployment, Network


def known_rpc_urls() -> list[str]:
    """Every RPC URL Attest may have asked: each network's and the default."""
    urls = [settings.CHAIN_RPC_URL]
    for listed in Network.objects.values_list("rpc_urls", flat=True):
        urls += [str(u) for u in listed or []]
    return urls


def rpc_urls_scrubbed(text: str, urls: Iterable[str] | None = None) -> str:
    """``text`` with each RPC URL (``known_rpc_urls`` by default) cut to its scheme, host and port.

    Hosted providers put the API key in the URL's path, query or user part (``https://…/v3/<key>``), and
    error texts reach public pages: a network's last error is the reason a coin's figures are "degraded".
    The URL is replaced wherever it appears whole, and its path and query wherever they appear alone (as in
    urllib3's "Max retries exceeded with url: /v3/<key>").
    """
    for url in sorted(set(known_rpc_urls() if urls is None else urls), key=len, reverse=True):
        parts = urlsplit(url)
        tail = url[len(f"{parts.scheme}://{parts.netloc}") :]
        if not parts.scheme or (len(tail) <= 1 and "@" not in parts.netloc):
            continue  # nothing beyond the host: nothing to hide
        host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        text = text.replace(url, f"{parts.scheme}://{host}/…")
        if len(tail) > 1:
            text = text.replace(tail, "/…")
    return text


def network_read_succeeded(*, network_id: int) -> None:
    Network.objects.filter(pk=network_id).update(last_success_at=timezone.now(), consecutive_failures=0)


def network_read_failed(*, network_id: int, error: str) -> None:
    Network.objects.filter(pk=network_id).update(
        last_error_at=timezone.now(),
        last_error=rpc_urls_scrubbed(error)[:2000],  # public: the reason figures are "degraded"
        consecutive_failures=F("consecutive_failures") + 1,
    )


def failing_reads(*, stablecoin_ids: Iterable[int]) -> dict[int, str]:
    """For each of these coins deployed on a network whose latest read failed, why (one query).

    This is what makes a coin's figures "degraded" in reserves.selectors.
    """
    reasons: dict[int, str] = {}
    rows = (
        Deployment.objects.filter(stablecoin_id__in=list(stablecoin_ids), network__consecutive_failures__gt=0)
        .values_list("stablecoin_id", "network__name", "network__consecutive_failures", "network__last_error")
        .order_by("stablecoin_id", "network__chain_id")
    )
    for coin_id, network, failures, error in rows:
        reasons.setdefault(coin_id, f"the latest {failures} read(s) of {network} failed: {error[:200]}")
    return reasons
