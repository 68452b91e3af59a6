from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from attest.models import LoginFailure
from attest.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": "issuer_alice", "password": password})


def test_it_locks_out_a_username_and_ip_after_repeated_failures(issuer_alice, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES = 3, 10
    for _ in range(3):
        assert _login("wrong").status_code == 200
    locked = _login(PASSWORD)  # even the right password is refused while locked out
    assert locked.status_code == 200
    assert "Too many failed logins" in locked.content.decode()
    # Another address is not locked out, and a success clears its own count.
    assert _login(PASSWORD, ip="10.0.0.2").status_code == 302
    # The lockout ends when the failures age out of the window.
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=11))
    assert _login(PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(ip="10.0.0.1").exists()


def test_the_login_form_requires_csrf(issuer_alice):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "issuer_alice", "password": PASSWORD}).status_code == 403


def test_the_admin_login_is_throttled_too(issuer_alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 1
    client = Client(REMOTE_ADDR="10.0.0.9")
    client.post("/admin/login/", {"username": "issuer_alice", "password": "wrong"})
    page = client.post("/admin/login/", {"username": "issuer_alice", "password": PASSWORD}).content.decode()
    assert "Too many failed logins" in page
