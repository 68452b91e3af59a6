"""The personas and the ready draft of attest/tests, for the issuer pages."""

from attest.tests.conftest import *  # noqa: F403
