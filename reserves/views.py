"""Regulator pages and the landing page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from attest.models import Role
from attest.selectors import user_role
from reserves.selectors import coin_summaries


def home(request: HttpRequest) -> HttpResponse:
    role = user_role(request.user)
    if role == Role.REGULATOR:
        return redirect("reserves:dashboard")
    if role == Role.ISSUER:
        return redirect("attest:attestation_list")
    return render(request, "reserves/home.html", {"summaries": coin_summaries(published_only=True)})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if user_role(request.user) != Role.REGULATOR:
        raise PermissionDenied("regulators only")
    return render(request, "reserves/dashboard.html", {"summaries": coin_summaries(published_only=False)})
