"""Local development chains: start anvil, deploy Attest's test tokens, drive blocks and time.

Used by the pytest fixtures (``tests/chain_fixtures.py``) and by ``make demo``. Everything goes
through :class:`chain.rpc.RpcClient` with ``eth_abi`` encoding rather than web3 contract objects:
web3's per-call overhead is what ``../shared/docs/stack-notes.md`` §4 measured as the bottleneck,
and the fixtures should exercise the same RPC path as production code.

Contracts are the committed artifacts in ``devtools/artifacts`` (``node contracts/build.mjs``).
Transactions are sent with ``eth_sendTransaction`` from anvil's unlocked dev accounts and rely on
automine; stack-notes §2 explains why batched sends must not be combined with automine.
"""

from __future__ import annotations

import atexit
import json
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from chain.reader import MULTICALL3
from chain.rpc import RpcClient, RpcError, RpcTransportError, hex_int

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

# Accounts 0-9 of anvil's default mnemonic ("test test ... junk"); unlocked on every anvil node.
DEV_ACCOUNTS: tuple[str, ...] = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
)

# Dev account 7's private key (public knowledge), the demo's feed poster (devtools/feeds.py).
DEV_KEY_7 = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"

# keccak256("eip1967.proxy.implementation") - 1: where AttestProxy (and most proxies) keep it.
EIP1967_IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"


class DevChainError(RuntimeError):
    """anvil is missing, failed to start, or a chain control call was refused."""


class TransactionFailed(DevChainError):
    """The node refused a transaction, it reverted (status 0), or no receipt came."""


def anvil_binary() -> Path:
    """The anvil executable shipped by the npm package ``@foundry-rs/anvil``."""
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    exe = "anvil.exe" if system == "win32" else "anvil"
    # Run the platform binary directly: the npm bin.mjs wrapper adds a node process in between,
    # and a signal sent to the wrapper is not guaranteed to reach anvil.
    path = REPO_ROOT / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / exe
    if not path.is_file():
        raise DevChainError(f"anvil not found at {path}; run `npm ci` in {REPO_ROOT} to install @foundry-rs/anvil")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Anvil:
    """A private anvil node on a free loopback port. Stop it with ``stop()`` or use ``with``."""

    def __init__(
        self,
        *,
        chain_id: int = 31337,
        timestamp: int | None = None,
        state_path: str | Path | None = None,
        block_time: float | None = None,
        cache_path: str | Path | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 10.0,
        multicall: bool = True,
    ) -> None:
        self.chain_id = chain_id
        # anvil spills historical states to its cache dir (~/.foundry by default, gigabytes on
        # long chains, stack-notes §2.1), so it always gets one, and ours is deleted on stop.
        self._own_cache = cache_path is None
        self.cache_path = Path(tempfile.mkdtemp(prefix="attest-anvil-")) if cache_path is None else Path(cache_path)
        # Closed in stop(); a file rather than a pipe, because nobody drains a pipe once anvil runs.
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""
        options: list[str] = ["--chain-id", str(chain_id), "--cache-path", str(self.cache_path), "--silent"]
        # anvil's "finalized" block trails head by two epochs: 64 blocks at its default 32 slots. One
        # slot per epoch makes it head - 2, the finality of a development chain (docs/chain-ledger.md).
        if "--slots-in-an-epoch" not in extra_args:
            options += ["--slots-in-an-epoch", "1"]
        if timestamp is not None:
            options += ["--timestamp", str(timestamp)]
        if state_path is not None:
            options += ["--state", str(state_path)]
        if block_time is not None:
            options += ["--block-time", f"{block_time:g}"]
        options += list(extra_args)
        atexit.register(self.stop)  # a crashed test session must not leave anvil running
        try:
            self._start(options, startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.rpc = RpcClient([self.url])
        if multicall:
            install_multicall(self.rpc)

    def _start(self, options: list[str], timeout: float) -> None:
        binary = anvil_binary()
        # The port can be taken between probing and anvil binding it; try a few times.
        for _attempt in range(3):
            port = _free_port()
            self.url = f"http://127.0.0.1:{port}"
            self._log.seek(0)
            self._log.truncate()
            self._process = subprocess.Popen(
                [str(binary), "--host", "127.0.0.1", "--port", str(port), *options],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            if self._wait_ready(timeout):
                return
            if "in use" not in self._output():
                break
        raise DevChainError(f"anvil did not start: {self._output()[-2000:] or 'no output'}")

    def _wait_ready(self, timeout: float) -> bool:
        assert self._process is not None
        probe = RpcClient([self.url], timeout=1.0, retries=0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                answered = hex_int(probe.call("eth_chainId"))
            except RpcTransportError:
                time.sleep(0.02)
                continue
            if answered != self.chain_id:
                raise DevChainError(f"anvil at {self.url} reports chain id {answered}, expected {self.chain_id}")
            return True
        self._terminate()
        raise DevChainError(f"anvil at {self.url} did not answer eth_chainId within {timeout:g} s")

    def _output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # SIGTERM first so anvil can write --state; kill only if it hangs.
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        """Stop the node and delete the cache dir if we created it. Safe to call twice."""
        self._terminate()
        if self._own_cache:
            shutil.rmtree(self.cache_path, ignore_errors=True)
        if not self._log.closed:
            self._log.close()
        atexit.unregister(self.stop)

    def __enter__(self) -> Anvil:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Anvil(url={self.url!r}, chain_id={self.chain_id})"


def load_artifact(name: str) -> dict[str, Any]:
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.is_file():
        raise DevChainError(f"no artifact {path}; run `node contracts/build.mjs`")
    artifact: dict[str, Any] = json.loads(path.read_text())
    return artifact


def _arg_types(signature: str) -> list[str]:
    """``"f(address,(uint256,bytes))"`` -> ``["address", "(uint256,bytes)"]`` (tuples kept whole)."""
    if "(" not in signature or not signature.endswith(")"):
        raise ValueError(f"not a function signature: {signature!r}")
    inner = signature[signature.index("(") + 1 : -1]
    types: list[str] = []
    depth = start = 0
    for i, char in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            types.append(inner[start:i])
            start = i + 1
    if inner:
        types.append(inner[start:])
    return types


def encode_call(signature: str, args: Sequence[Any]) -> str:
    """Calldata (0x-hex) for ``signature`` such as ``"transfer(address,uint256)"``."""
    signature = signature.replace(" ", "")
    return "0x" + (keccak(text=signature)[:4] + encode(_arg_types(signature), list(args))).hex()


def _block_param(block: int | str) -> str:
    return hex(block) if isinstance(block, int) else block


def wait_for_receipt(rpc: RpcClient, tx_hash: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        receipt: dict[str, Any] | None = rpc.call("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            return receipt
        if time.monotonic() >= deadline:
            raise TransactionFailed(f"no receipt for {tx_hash} after {timeout:g} s (automine off? call mine())")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _transact(rpc: RpcClient, tx: dict[str, Any], what: str) -> dict[str, Any]:
    try:
        tx_hash: str = rpc.call("eth_sendTransaction", [tx])
    except RpcTransportError:
        raise
    except RpcError as exc:
        raise TransactionFailed(f"{what} from {tx['from']} was refused: {exc}") from exc
    receipt = wait_for_receipt(rpc, tx_hash)
    if hex_int(receipt["status"]) == 1:
        return receipt
    # anvil mines a reverting eth_sendTransaction with status 0 and no reason. Replaying it as
    # eth_call on the parent block recovers the reason (exact under automine: one tx per block).
    block = hex_int(receipt["blockNumber"])
    reason = "no revert reason"
    try:
        rpc.call("eth_call", [tx, hex(block - 1)])
    except RpcTransportError:
        raise
    except RpcError as exc:
        reason = str(exc).removeprefix("eth_call: ")
    raise TransactionFailed(f"{what} from {tx['from']} reverted in block {block} ({reason}; tx {tx_hash})")


def deploy(
    rpc: RpcClient, artifact_name: str, constructor_types: list[str], constructor_args: list[Any], sender: str
) -> str:
    """Deploy a committed artifact from an unlocked account; returns the checksummed address."""
    bytecode: str = load_artifact(artifact_name)["bytecode"]
    data = bytecode + encode(constructor_types, constructor_args).hex()
    receipt = _transact(rpc, {"from": sender, "data": data}, f"deploying {artifact_name}")
    return to_checksum_address(receipt["contractAddress"])


def send(rpc: RpcClient, to: str, signature: str, args: list[Any], sender: str) -> dict[str, Any]:
    """Send a contract call as a transaction and return its receipt; raise TransactionFailed on revert."""
    return _transact(rpc, {"from": sender, "to": to, "data": encode_call(signature, args)}, f"{signature} on {to}")


def call_raw(
    rpc: RpcClient, to: str, signature: str, args: list[Any], block: int | str = "latest", sender: str | None = None
) -> str:
    """``eth_call`` returning the raw 0x-hex result (``"0x"`` for functions that return nothing)."""
    tx: dict[str, Any] = {"to": to, "data": encode_call(signature, args)}
    if sender is not None:
        tx["from"] = sender
    result: str = rpc.call("eth_call", [tx, _block_param(block)])
    return result


def call_uint(rpc: RpcClient, to: str, signature: str, args: list[Any], block: int | str = "latest") -> int:
    raw = call_raw(rpc, to, signature, args, block)
    if len(raw) < 66:
        raise DevChainError(f"{signature} on {to} returned {raw!r}, not a uint256 (no contract there?)")
    return int(raw[2:66], 16)


def deploy_stablecoin(
    rpc: RpcClient, *, name: str, symbol: str, decimals: int, owner: str, proxied: bool, admin: str | None = None
) -> str:
    """Deploy and initialise an AttestStablecoin with ``owner`` as owner and minter.

    When proxied, the token address is the AttestProxy's. Its admin (default: dev account 9, or 8
    if that is the owner) must differ from the owner: a transparent proxy never forwards the
    admin's calls, so the admin cannot use the token.
    """
    if admin is None:
        admin = DEV_ACCOUNTS[9] if owner.lower() != DEV_ACCOUNTS[9].lower() else DEV_ACCOUNTS[8]
    init = ("initialize(string,string,uint8,address)", [name, symbol, decimals, owner])
    implementation = deploy(rpc, "AttestStablecoin", [], [], sender=owner)
    if proxied:
        if admin.lower() == owner.lower():
            raise ValueError("the proxy admin must not be the token owner (its calls are not forwarded)")
        init_data = bytes.fromhex(encode_call(*init)[2:])
        types = ["address", "address", "bytes"]
        token = deploy(rpc, "AttestProxy", types, [implementation, admin, init_data], sender=admin)
    else:
        token = implementation
        send(rpc, token, init[0], init[1], sender=owner)
    send(rpc, token, "configureMinter(address)", [owner], sender=owner)
    return token


def upgrade_proxy(rpc: RpcClient, proxy: str, *, admin: str, artifact_name: str = "AttestStablecoinV2") -> str:
    """Deploy ``artifact_name`` and point ``proxy`` at it; returns the new implementation address."""
    implementation = deploy(rpc, artifact_name, [], [], sender=admin)
    send(rpc, proxy, "upgradeTo(address)", [implementation], sender=admin)
    return implementation


def proxy_implementation(rpc: RpcClient, proxy: str, block: int | str = "latest") -> str:
    """The EIP-1967 implementation address, read from storage (works for any caller)."""
    word: str = rpc.call("eth_getStorageAt", [proxy, EIP1967_IMPLEMENTATION_SLOT, _block_param(block)])
    return to_checksum_address("0x" + word[-40:])


def deploy_legacy_token(
    rpc: RpcClient,
    *,
    owner: str,
    initial_supply: int,
    name: str = "Legacy USD",
    symbol: str = "LUSD",
    decimals: int = 6,
) -> str:
    """Deploy a Tether-like LegacyToken; ``owner`` deploys it and holds ``initial_supply``."""
    types = ["uint256", "string", "string", "uint8"]
    return deploy(rpc, "LegacyToken", types, [initial_supply, name, symbol, decimals], sender=owner)


def install_multicall(rpc: RpcClient) -> None:
    """Put our AttestMulticall (Multicall3's ``aggregate3`` ABI) at Multicall3's canonical address.

    Real chains have Multicall3 there; a development chain gets our own. The runtime code comes from
    running the creation code in an ``eth_call`` (no transaction: no nonce used, no block mined, so
    every other address a test deploys stays where it was).
    """
    runtime: str = rpc.call("eth_call", [{"data": load_artifact("AttestMulticall")["bytecode"]}, "latest"])
    rpc.call("anvil_setCode", [MULTICALL3, runtime])


def mine(rpc: RpcClient, blocks: int = 1, interval: int | None = None) -> None:
    """Mine ``blocks`` blocks, ``interval`` seconds apart if given."""
    params = [hex(blocks)] if interval is None else [hex(blocks), hex(interval)]
    rpc.call("anvil_mine", params)


def snapshot(rpc: RpcClient) -> str:
    snapshot_id: str = rpc.call("evm_snapshot")
    return snapshot_id


def revert(rpc: RpcClient, snapshot_id: str) -> None:
    # anvil answers false rather than an error for an unknown (or already used) snapshot id.
    if rpc.call("evm_revert", [snapshot_id]) is not True:
        raise DevChainError(f"evm_revert refused snapshot {snapshot_id}")


def set_next_block_timestamp(rpc: RpcClient, ts: int) -> None:
    rpc.call("evm_setNextBlockTimestamp", [hex(ts)])


def head(rpc: RpcClient) -> int:
    return hex_int(rpc.call("eth_blockNumber"))
