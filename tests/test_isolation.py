"""Issuer B's users can neither read nor change issuer A's attestations, through any page or endpoint.

The URL list is read from the URLconf, so a new view that takes an attestation id is covered
without anyone remembering to add it here.
"""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from api import issuer_urls as api_urls
from attest.models import AttestationStatus, AuditEntry
from attest.signing import attestation_payload, payload_sha256
from attest.tests.conftest import PDF, login
from web import issuer_urls as urls

pytestmark = pytest.mark.django_db

PAGE_ROUTES = [str(p.pattern) for p in urls.urlpatterns if "<int:pk>" in str(p.pattern)]
API_ROUTES = [str(p.pattern) for p in api_urls.urlpatterns if "<int:pk>" in str(p.pattern)]
BODY = {"signature": "0x" + "00" * 65, "reason": "x", "decision": "accepted", "comment": "x", "body": "x"}


def _api(user) -> Client:
    token = Token.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def _unchanged(draft, before_hash, before_audit):
    draft.refresh_from_db()
    assert draft.status == AttestationStatus.DRAFT
    assert payload_sha256(attestation_payload(draft)) == before_hash
    assert not draft.signatures.exists() and not draft.comments.exists()
    assert AuditEntry.objects.count() == before_audit


def test_the_route_lists_cover_every_view():
    assert len(PAGE_ROUTES) >= 9 and len(API_ROUTES) >= 8


@pytest.mark.parametrize("route", PAGE_ROUTES)
@pytest.mark.parametrize("persona", ["issuer_erin", "outsider_charlie", "regulator_bob"])
def test_other_users_cannot_read_or_change_a_draft_page(route, persona, alpha_draft, request):
    user = request.getfixturevalue(persona)
    url = "/attestations/" + route.replace("<int:pk>", str(alpha_draft.pk))
    before_hash, before_audit = payload_sha256(attestation_payload(alpha_draft)), AuditEntry.objects.count()
    client = login(user)
    assert client.get(url).status_code in {403, 404, 405}
    assert client.post(url, BODY).status_code in {403, 404}
    _unchanged(alpha_draft, before_hash, before_audit)


@pytest.mark.parametrize("route", API_ROUTES)
@pytest.mark.parametrize("persona", ["issuer_erin", "outsider_charlie", "regulator_bob"])
def test_other_users_cannot_read_or_change_a_draft_through_the_api(route, persona, alpha_draft, request):
    user = request.getfixturevalue(persona)
    url = "/api/v1/" + route.replace("<int:pk>", str(alpha_draft.pk))
    before_hash, before_audit = payload_sha256(attestation_payload(alpha_draft)), AuditEntry.objects.count()
    client = _api(user)
    for method in ("get", "post", "put"):
        response = getattr(client, method)(url, BODY, content_type="application/json")
        assert response.status_code in {403, 404, 405}, (method, response.content)
    response = client.put(url, {"file": PDF}, content_type="application/pdf")
    assert response.status_code in {403, 404, 405, 415}
    _unchanged(alpha_draft, before_hash, before_audit)
    listing = client.get("/api/v1/issuer/attestations/")
    assert listing.status_code == 403 or alpha_draft.pk not in [a["id"] for a in listing.json()]


def test_lists_show_only_what_each_role_may_see(alpha_draft, issuer_alice, issuer_erin, auditor_dan, regulator_bob):
    assert f"/attestations/{alpha_draft.pk}/" in login(issuer_alice).get("/attestations/").content.decode()
    assert f"/attestations/{alpha_draft.pk}/" in login(auditor_dan).get("/attestations/").content.decode()
    assert f"/attestations/{alpha_draft.pk}/" not in login(issuer_erin).get("/attestations/").content.decode()
    # Regulators review what was submitted, not the issuer's work in progress.
    assert f"/attestations/{alpha_draft.pk}/" not in login(regulator_bob).get("/attestations/").content.decode()
    assert login(issuer_alice).get(f"/attestations/{alpha_draft.pk}/bundle.json").status_code == 200


def test_the_api_needs_a_token(alpha_draft, issuer_alice):
    assert Client().get("/api/v1/issuer/attestations/").status_code == 401
    session = login(issuer_alice)  # a browser session is not an API credential
    assert session.get("/api/v1/issuer/attestations/").status_code == 401
    assert _api(issuer_alice).get(f"/api/v1/issuer/attestations/{alpha_draft.pk}/").status_code == 200
