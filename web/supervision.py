"""The issuer's redemptions page: the coin's reported redemptions, and a CSV batch to report more."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from attest.models import Redemption, Role
from attest.redemptions import redemptions_from_csv
from attest.selectors import stablecoins_attestable_by, user_role
from attest.services import errors_as_dict
from jobs.workflows import redemptions_report


@login_required
def redemption_list(request: HttpRequest) -> HttpResponse:
    if user_role(request.user) != Role.ISSUER:
        raise PermissionDenied("issuer staff only")
    coins = stablecoins_attestable_by(request.user)
    errors: list[str] = []
    done = ""
    if request.method == "POST":
        coin = coins.filter(symbol=request.POST.get("stablecoin", "")).first()
        upload = request.FILES.get("file")
        if coin is None or upload is None:
            errors.append("Choose one of your coins and a CSV file.")
        else:
            try:
                counts = redemptions_report(
                    user=request.user, stablecoin=coin, rows=redemptions_from_csv(upload.read())
                )
            except ValidationError as exc:
                errors = [f"{k}: {m}" if k != "csv" else m for k, ms in errors_as_dict(exc).items() for m in ms]
            else:
                new, settled, same = counts["created"], counts["settled"], counts["unchanged"]
                done = f"{coin.symbol}: {new} new, {settled} settled, {same} unchanged."
    rows = Redemption.objects.filter(stablecoin__in=coins).select_related("stablecoin")[:500]
    return render(
        request,
        "attest/redemption_list.html",
        {"coins": coins, "redemptions": rows, "errors": errors, "done": done},
        status=400 if errors else 200,
    )
