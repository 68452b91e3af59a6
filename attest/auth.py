"""The login lockout against password guessing, and the login forms that apply it.

Failures are counted per (username, client IP) in the database, so every web process sees the same
count. After LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_MINUTES the pair is refused, with
the right password too, until the window has passed; a successful login clears the count. The
admin's login uses the same lockout (attest/admin.py); the login page is web/auth.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from attest.models import LoginFailure


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a placeholder, never bound


def login_locked_out(*, username: str, ip: str) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    failures = LoginFailure.objects.filter(username=username.lower(), ip=ip, at__gte=since).count()
    return failures >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(*, username: str, ip: str) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)


def login_failures_clear(*, username: str, ip: str) -> None:
    LoginFailure.objects.filter(username=username.lower(), ip=ip).delete()


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
