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


@pytest.mark.parametrize("variant", ["issuer_alice ", " issuer_alice", "\tissuer_alice", "ISSUER_ALICE"])
def test_a_variant_of_the_username_shares_its_lockout(issuer_alice, settings, variant):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        _login("wrong")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "issuer_alice")  # the fullwidth forms, NFKC-equal
    for name in (variant, fullwidth):
        page = Client(REMOTE_ADDR="10.0.0.1").post("/login/", {"username": name, "password": PASSWORD})
        assert "Too many failed logins" in page.content.decode(), repr(name)


def test_failures_count_per_account_and_per_address(issuer_alice, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ACCOUNT_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT = 9, 3, 4
    for i in range(3):  # three addresses, one guess each: the account locks
        _login("wrong", ip=f"10.1.0.{i}")
    assert "Too many failed logins" in _login(PASSWORD, ip="10.1.0.99").content.decode()
    LoginFailure.objects.all().delete()
    for i in range(4):  # one address, four names: the address locks, for every name
        Client(REMOTE_ADDR="10.2.0.1").post("/login/", {"username": f"nobody{i}", "password": "x"})
    assert "Too many failed logins" in _login(PASSWORD, ip="10.2.0.1").content.decode()
    assert _login(PASSWORD, ip="10.2.0.2").status_code == 302
