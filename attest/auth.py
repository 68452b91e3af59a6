"""The login lockout against password guessing, and the login forms that apply it.

Failures are counted in the database, so every web process sees the same count, on the username as
authentication normalises it (`login_name`). Within LOGIN_LOCKOUT_MINUTES, LOGIN_FAILURE_LIMIT
failures of one (username, client IP) pair, LOGIN_ACCOUNT_FAILURE_LIMIT of one username from any
address, or LOGIN_ADDRESS_FAILURE_LIMIT from one address for any usernames lock it out, with the
right password too, until the window has passed; a successful login clears its pair's count. The
admin's login uses the same lockout (attest/admin.py); the login page is web/auth.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from attest.models import LoginFailure


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a placeholder, never bound


def login_name(raw: str) -> str:
    """The username as authentication sees it (Django's UsernameField: NFKC, stripped), case-folded.

    Counting failures on this, not on the raw string, means " nyissuer", "nyissuer\t" and the
    fullwidth form of it are one account to the lockout, as they are one account to the login.
    """
    return str(UsernameField().to_python(raw)).casefold()[:150]


def login_locked_out(*, username: str, ip: str) -> bool:
    """Locked out by failures of this name from this address, of this name from anywhere, or from this address."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginFailure.objects.filter(at__gte=since)
    name = login_name(username)
    return (
        recent.filter(username=name, ip=ip).count() >= settings.LOGIN_FAILURE_LIMIT
        or recent.filter(username=name).count() >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT
        or recent.filter(ip=ip).count() >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
    )


def login_failure_record(*, username: str, ip: str) -> None:
    LoginFailure.objects.create(username=login_name(username), ip=ip)


def login_failures_clear(*, username: str, ip: str) -> None:
    """A success clears this name's failures from this address; the per-account and per-address
    counts from elsewhere stay until they age out, so one good login cannot reset a guessing run."""
    LoginFailure.objects.filter(username=login_name(username), ip=ip).delete()


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing a locked-out (username, IP) before it checks the password."""

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        ip = client_ip(self.request) if self.request is not None else "0.0.0.0"  # noqa: S104
        if login_locked_out(username=username, ip=ip):
            raise ValidationError(
                f"Too many failed logins. Try again in {settings.LOGIN_LOCKOUT_MINUTES} minutes.", code="locked_out"
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failure_record(username=username, ip=ip)
            raise
        login_failures_clear(username=username, ip=ip)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login (staff only) with the same lockout."""
