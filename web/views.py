"""The landing page. The regulator pages and the public coin pages are in web/pages.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from attest.models import Role
from attest.selectors import user_role
from reserves.readmodel import coin_states
from web.throttle import throttled


@throttled
def home(request: HttpRequest) -> HttpResponse:
    role = user_role(request.user)
    if role == Role.REGULATOR:
        return redirect("reserves:dashboard")
    if role in (Role.ISSUER, Role.AUDITOR):
        return redirect("attest:attestation_list")
    return render(request, "reserves/home.html", {"states": coin_states(published_only=True)})
