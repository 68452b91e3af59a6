"""A real HTTP server on a free loopback port that stands in front of anvil and misbehaves on demand.

Modes: ``forward`` (a faithful proxy), ``timeout`` (answers after the client gave up), ``500``,
``garbage`` (HTTP 200 with a body that is not JSON), ``rpc_error`` (a well-formed JSON-RPC error for
every call), ``lie`` (forwards, but adds one to the last 32-byte word of every ``eth_call`` result,
a plain call's value or an aggregate3's last value, and of every log's data, a supply event's
amount), ``no_finalized`` (forwards, but refuses the ``finalized`` block tag, as a node of a chain
without finality does), ``skew_clock`` (forwards, but every block header's timestamp is ``skew``
seconds late).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class FaultyRpc:
    def __init__(self, upstream: str, mode: str = "forward", *, delay: float = 1.0, skew: int = 0) -> None:
        self.upstream = upstream
        self.mode = mode
        self.delay = delay
        self.skew = skew
        self.requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.requests += 1
                status, payload = proxy.answer(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up, as intended

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def answer(self, body: bytes) -> tuple[int, bytes]:
        if self.mode == "timeout":
            time.sleep(self.delay)
        if self.mode == "500":
            return 500, b"upstream exploded"
        if self.mode == "garbage":
            return 200, b"<html>Bad gateway</html>"
        request = json.loads(body)
        if self.mode == "rpc_error":
            items = request if isinstance(request, list) else [request]
            errors = [
                {"jsonrpc": "2.0", "id": item["id"], "error": {"code": -32000, "message": "header not found"}}
                for item in items
            ]
            return 200, json.dumps(errors if isinstance(request, list) else errors[0]).encode()
        upstream = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=10)
        answer = upstream.json()
        if self.mode == "no_finalized":
            asks = {
                i["id"] for i in (request if isinstance(request, list) else [request]) if "finalized" in i["params"]
            }
            for item in answer if isinstance(answer, list) else [answer]:
                if item.get("id") in asks:
                    item.pop("result", None)
                    item["error"] = {"code": -32602, "message": "invalid block tag: finalized"}
        if self.mode in ("lie", "lie_calls"):  # lie_calls: eth_call results only, the logs left true
            methods = {item["id"]: item["method"] for item in (request if isinstance(request, list) else [request])}
            for item in answer if isinstance(answer, list) else [answer]:
                result = item.get("result")
                if methods.get(item.get("id")) == "eth_call" and isinstance(result, str) and len(result) >= 66:
                    item["result"] = _plus_one(result)
                if self.mode == "lie" and methods.get(item.get("id")) == "eth_getLogs" and isinstance(result, list):
                    for log in result:
                        if len(log.get("data", "")) >= 66:
                            log["data"] = _plus_one(log["data"])
        if self.mode == "skew_clock":
            for item in answer if isinstance(answer, list) else [answer]:
                result = item.get("result")
                if isinstance(result, dict) and isinstance(result.get("timestamp"), str):
                    result["timestamp"] = hex(int(result["timestamp"], 16) + self.skew)
        return 200, json.dumps(answer).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _plus_one(word: str) -> str:
    """The hex data with one added to its last 32-byte word."""
    return word[:-64] + f"{(int(word[-64:], 16) + 1) % 2**256:064x}"
