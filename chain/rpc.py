"""A small raw JSON-RPC client: persistent HTTP session, batches, retries and fail-over.

web3.py's default client sends two extra ``eth_chainId`` calls per ``call()`` and formats every
answer through layers of middleware; measured on this machine it is 20-130x slower than a raw
JSON-RPC batch (``../shared/docs/stack-notes.md`` §4). The hot paths (supply reads, block lookups,
log scans) therefore talk JSON-RPC directly and decode integers themselves.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

Call = tuple[str, list[Any]]


class RpcError(Exception):
    """The node answered with a JSON-RPC error. Retrying the same request will not help."""

    def __init__(self, message: str, *, code: int | None = None, data: Any = None, url: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.data = data
        self.url = url


class RpcTransportError(RpcError):
    """Timeout, refused connection, HTTP error or an answer that is not JSON-RPC: worth a retry."""


_sessions: dict[tuple[int, str], requests.Session] = {}


def _session(url: str) -> requests.Session:
    # Keyed by pid so a Celery prefork child never reuses sockets opened by its parent.
    key = (os.getpid(), url)
    session = _sessions.get(key)
    if session is None:
        session = requests.Session()
        # Environment proxies would route loopback RPC through a proxy; the node URL is explicit.
        session.trust_env = False
        _sessions[key] = session
    return session


@dataclass
class RpcClient:
    """JSON-RPC over HTTP against one or more URLs of the same network.

    Transport failures are retried ``retries`` times per URL with exponential backoff, then the
    next URL is tried. JSON-RPC errors are raised at once: they are answers, not faults.
    """

    urls: Sequence[str]
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.2
    last_url: str = field(default="", init=False)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("an RPC client needs at least one URL")

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        return self.batch([(method, params or [])])[0]

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Send all calls in one HTTP request; results come back in the order of ``calls``.

        Raises RpcError naming the first call the node refused.
        """
        answers = self.batch_answers(calls)
        results: list[Any] = []
        for (method, _params), answer in zip(calls, answers, strict=True):
            if isinstance(answer, RpcError):
                raise RpcError(f"{method}: {answer}", code=answer.code, data=answer.data, url=answer.url)
            results.append(answer)
        return results

    def batch_answers(self, calls: Sequence[Call]) -> list[Any]:
        """Like ``batch`` but a refused call yields its RpcError in place instead of raising."""
        if not calls:
            return []
        first = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        for _ in range(len(calls) - 1):
            next(self._ids)
        body = self._post(payload)
        by_id: dict[Any, dict[str, Any]] = {}
        for item in body:
            if not isinstance(item, dict) or "id" not in item:
                raise RpcTransportError(f"malformed JSON-RPC answer item: {str(item)[:200]}", url=self.last_url)
            by_id[item["id"]] = item
        answers: list[Any] = []
        for request in payload:
            item = by_id.get(request["id"])
            if item is None:
                raise RpcTransportError(f"no answer for {request['method']} in batch", url=self.last_url)
            if item.get("error") is not None:
                err = item["error"]
                answers.append(
                    RpcError(
                        str(err.get("message", err)) if isinstance(err, dict) else str(err),
                        code=err.get("code") if isinstance(err, dict) else None,
                        data=err.get("data") if isinstance(err, dict) else None,
                        url=self.last_url,
                    )
                )
            elif "result" not in item:
                raise RpcTransportError(
                    f"answer to {request['method']} has neither result nor error", url=self.last_url
                )
            else:
                answers.append(item["result"])
        return answers

    def _post(self, payload: list[dict[str, Any]]) -> list[Any]:
        last_error: RpcTransportError | None = None
        for url in self.urls:
            for attempt in range(self.retries + 1):
                if attempt:
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                try:
                    return self._post_once(url, payload)
                except RpcTransportError as exc:
                    last_error = exc
        assert last_error is not None
        raise last_error

    def _post_once(self, url: str, payload: list[dict[str, Any]]) -> list[Any]:
        self.last_url = url
        try:
            response = _session(url).post(url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RpcTransportError(f"{type(exc).__name__} talking to {url}: {exc}", url=url) from exc
        if response.status_code != 200:
            raise RpcTransportError(f"HTTP {response.status_code} from {url}: {response.text[:200]}", url=url)
        try:
            body = response.json()
        except ValueError as exc:
            raise RpcTransportError(f"{url} answered with something that is not JSON", url=url) from exc
        if isinstance(body, dict):
            # A node that rejects the whole batch answers with a single error object.
            err = body.get("error")
            if err is not None:
                message = err.get("message", err) if isinstance(err, dict) else err
                raise RpcError(
                    f"{url} refused the batch: {message}",
                    code=err.get("code") if isinstance(err, dict) else None,
                    url=url,
                )
            body = [body]
        if not isinstance(body, list):
            raise RpcTransportError(f"{url} answered with JSON that is not JSON-RPC", url=url)
        return body


def hex_int(value: Any) -> int:
    """Decode a hex quantity or 32-byte word; anything else is a malformed answer."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise RpcTransportError(f"expected a hex string, got {str(value)[:80]!r}")
    if value == "0x":
        raise RpcTransportError("empty return data (no contract at that address, or it reverted)")
    return int(value, 16)
