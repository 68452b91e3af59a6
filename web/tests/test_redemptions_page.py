"""The issuer's redemptions page takes a CSV batch, shows every error of a bad one, and lists what was reported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attest.models import Redemption
from attest.tests.conftest import login

pytestmark = pytest.mark.django_db


def test_an_issuer_reports_redemptions_by_csv(issuer_alice, regulator_bob):
    page = login(issuer_alice)
    at = (timezone.now() - timedelta(hours=2)).isoformat()
    good = f"request_id,received_at,amount\nR-1,{at},250.5\n".encode()
    done = page.post("/attestations/redemptions/", {"stablecoin": "ALPHA", "file": SimpleUploadedFile("r.csv", good)})
    assert done.status_code == 200 and "ALPHA: 1 new" in done.content.decode()
    assert "R-1" in page.get("/attestations/redemptions/").content.decode()
    bad = b"request_id,received_at,amount\nR-2,soon,1\n"
    refused = page.post("/attestations/redemptions/", {"stablecoin": "ALPHA", "file": SimpleUploadedFile("r.csv", bad)})
    assert refused.status_code == 400 and "Row 1 (line 2), received_at" in refused.content.decode()
    assert list(Redemption.objects.values_list("request_id", flat=True)) == ["R-1"]
    assert login(regulator_bob).get("/attestations/redemptions/").status_code == 403
