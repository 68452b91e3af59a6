"""Issuer pages: file an attestation, list and read one's own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from attest.forms import AttestationForm, HoldingFormSet
from attest.models import Attestation, Role
from attest.selectors import user_issuer_id, user_role
from attest.services import HoldingInput, attestation_create, attestation_submit


def _issuer_only(request: HttpRequest) -> int:
    issuer_id = user_issuer_id(request.user)
    if user_role(request.user) != Role.ISSUER or issuer_id is None:
        raise PermissionDenied("issuer staff only")
    return issuer_id


@login_required
def attestation_list(request: HttpRequest) -> HttpResponse:
    issuer_id = _issuer_only(request)
    attestations = (
        Attestation.objects.filter(stablecoin__issuer_id=issuer_id).select_related("stablecoin").order_by("-created_at")
    )
    return render(request, "attest/attestation_list.html", {"attestations": attestations})


@login_required
def attestation_new(request: HttpRequest) -> HttpResponse:
    _issuer_only(request)
    form = AttestationForm(request.POST or None, user=request.user)
    holdings = HoldingFormSet(request.POST or None, prefix="holdings")
    if request.method == "POST" and form.is_valid() and holdings.is_valid():
        lines = [
            HoldingInput(
                asset_class=h["asset_class"],
                custodian=h["custodian"],
                currency=h["currency"],
                market_value=h["market_value"],
            )
            for h in holdings.cleaned_data
            if h
        ]
        try:
            # Created and submitted together: a failure in either leaves nothing behind.
            with transaction.atomic():
                attestation = attestation_create(
                    user=request.user,
                    stablecoin=form.cleaned_data["stablecoin"],
                    as_of=form.cleaned_data["as_of"],
                    as_of_timezone=form.cleaned_data["as_of_timezone"],
                    report_type=form.cleaned_data["report_type"],
                    holdings=lines,
                )
                attestation_submit(user=request.user, attestation=attestation)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return redirect("attest:attestation_detail", pk=attestation.pk)
    return render(request, "attest/attestation_form.html", {"form": form, "holdings": holdings})


@login_required
def attestation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = user_role(request.user)
    queryset = Attestation.objects.select_related("stablecoin", "stablecoin__issuer").prefetch_related("holdings")
    if role == Role.ISSUER:
        queryset = queryset.filter(stablecoin__issuer_id=_issuer_only(request))
    elif role != Role.REGULATOR:
        raise PermissionDenied("issuer staff and regulators only")
    attestation = get_object_or_404(queryset, pk=pk)
    return render(request, "attest/attestation_detail.html", {"attestation": attestation})
