"""Two hosts on one machine: network namespaces joined to the host by veth pairs on a private bridge.

The shared PostgreSQL and Redis listen on loopback only, and a namespace has its own loopback, so the host
side offers them on the bridge address without touching their configuration: a private redis-server bound
to it, and TCP relays (``Relay``) for PostgreSQL and the chain's RPC (``RpcProxy``, which can also hold
``eth_call`` answers back, so a test can catch a worker in the middle of a read). Needs root (``ip netns``).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def netns_available() -> bool:
    if os.geteuid() != 0:
        return False
    probe = f"atp{os.getpid() % 100000}"
    try:
        _ip("netns", "add", probe)
    except (OSError, subprocess.CalledProcessError):
        return False
    subprocess.run(["ip", "netns", "del", probe], check=False, capture_output=True)
    return True


class Hosts:
    """``count`` namespaces on a bridge; the host is ``.1`` of a random 10.x.y.0/24, host ``i`` is ``.i+2``."""

    def __init__(self, count: int) -> None:
        tag = f"{os.getpid() % 10000}{random.randrange(100):02d}"
        self.bridge = f"atb{tag}"
        self.names = [f"at{tag}h{i}" for i in range(count)]
        self.subnet = f"10.{random.randrange(64, 250)}.{random.randrange(1, 250)}"
        self.address = f"{self.subnet}.1"
        self._veths: list[str] = []

    def __enter__(self) -> Hosts:
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
            _ip("addr", "add", f"{self.address}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
            for i, name in enumerate(self.names):
                outside, inside = f"atv{i}{self.bridge[3:]}", f"atn{i}{self.bridge[3:]}"
                _ip("netns", "add", name)
                _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
                self._veths.append(outside)
                _ip("link", "set", inside, "netns", name)
                _ip("link", "set", outside, "master", self.bridge, "up")
                _ip("-n", name, "addr", "add", f"{self.subnet}.{i + 2}/24", "dev", inside)
                _ip("-n", name, "link", "set", inside, "up")
                _ip("-n", name, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prefix(self, index: int) -> list[str]:
        """The command prefix that runs a program on host ``index``."""
        return ["ip", "netns", "exec", self.names[index]]

    def close(self) -> None:
        # Deleting a namespace destroys the veth end inside it, and with it the pair.
        for name in self.names:
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)
        for veth in self._veths:
            subprocess.run(["ip", "link", "del", veth], check=False, capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], check=False, capture_output=True)


class Relay:
    """A TCP relay: connections to ``listen`` are piped to ``target``. ``close`` ends every connection."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(listen)
        self.port = int(self.server.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


class RpcProxy:
    """A JSON-RPC proxy in front of a node; while ``hold`` is set, requests with an ``eth_call`` wait for it."""

    def __init__(self, listen: tuple[str, int], node_url: str) -> None:
        host, port = node_url.removeprefix("http://").split(":")
        self.hold = threading.Event()
        self.release = threading.Event()
        self.held = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if proxy.hold.is_set() and b"eth_call" in body:
                    proxy.held.set()
                    proxy.release.wait(60)
                upstream = http.client.HTTPConnection(host, int(port), timeout=30)
                upstream.request("POST", "/", body, {"Content-Type": "application/json"})
                answer = upstream.getresponse().read()
                upstream.close()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(listen, Handler)
        self.server.daemon_threads = True
        self.url = f"http://{listen[0]}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """eth_calls wait inside the block (until it exits); ``held`` is set once one is waiting."""
        self.release.clear()
        self.held.clear()
        self.hold.set()
        try:
            yield
        finally:
            self.hold.clear()
            self.release.set()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
