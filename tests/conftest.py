"""The personas and the ready draft of attest/tests, for the tests that span pages and APIs (test_isolation)."""

from attest.tests.conftest import *  # noqa: F403
