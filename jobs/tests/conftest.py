"""Fixtures for the tasks and workflows: a coin registered on the session's anvil (chain/tests) and the
personas and ready draft of attest/tests."""

from attest.tests.conftest import *  # noqa: F403
from chain.tests.conftest import network, register

__all__ = ["network", "register"]
