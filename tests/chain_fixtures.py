"""pytest plugin: local anvil chains for tests (register with ``pytest_plugins``).

Two session-wide nodes start lazily, on first use: ``anvil`` (chain id 31337) and ``anvil_b``
(chain id 31338, the "other" network for bridged deployments). Starting anvil takes ~50 ms, but
deploying the tokens on a fresh node for each test adds up, so tests share the session nodes and
isolate themselves with ``chain_snapshot`` / ``chain_b_snapshot``, which roll the chain back
after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.devchain import Anvil, revert, snapshot

CHAIN_ID_A = 31337
CHAIN_ID_B = 31338


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    node = Anvil(chain_id=CHAIN_ID_A)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def anvil_b() -> Iterator[Anvil]:
    node = Anvil(chain_id=CHAIN_ID_B)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def chain_snapshot(anvil: Anvil) -> Iterator[Anvil]:
    """Roll ``anvil`` back to its pre-test state (blocks, balances, nonces) after the test."""
    snapshot_id = snapshot(anvil.rpc)
    yield anvil
    revert(anvil.rpc, snapshot_id)


@pytest.fixture
def chain_b_snapshot(anvil_b: Anvil) -> Iterator[Anvil]:
    """The same as ``chain_snapshot`` for ``anvil_b``."""
    snapshot_id = snapshot(anvil_b.rpc)
    yield anvil_b
    revert(anvil_b.rpc, snapshot_id)
