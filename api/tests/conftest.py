"""The personas and the ready draft of attest/tests, for the issuer API."""

from attest.tests.conftest import *  # noqa: F403
