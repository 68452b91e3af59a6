"""The landing page. The regulator pages and the public coin pages are in web/pages.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from attest.models import Role
from attest.selectors import user_role
from reserves.readmodel import coin_states
from web.middleware import COOKIE, ZONES
from web.throttle import throttled


@throttled
def home(request: HttpRequest) -> HttpResponse:
    role = user_role(request.user)
    if role == Role.REGULATOR:
        return redirect("reserves:dashboard")
    if role in (Role.ISSUER, Role.AUDITOR):
        return redirect("attest:attestation_list")
    return render(request, "reserves/home.html", {"states": coin_states(published_only=True)})


@require_POST
def set_zone(request: HttpRequest) -> HttpResponse:
    """The footer's zone switcher: remember the reader's choice (Hong Kong time or UTC) in a cookie."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    zone = request.POST.get("tz", "")
    if zone in ZONES:
        response.set_cookie(COOKIE, zone, max_age=365 * 86_400, samesite="Lax", secure=request.is_secure())
    return response
