"""EIP-712 signatures by the issuer and the assigned auditor, and offline verification of the bundle."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from attest.evidence import attestation_document_attach, attestation_sign
from attest.models import AttestationStatus
from attest.services import attestation_submit
from attest.signing import attestation_bundle, attestation_payload, signature_make, typed_data
from attest.tests.conftest import ALPHA_KEY, AUDITOR_KEY, MALLORY_KEY, PDF, login

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def _sign(attestation, key):
    return signature_make(typed_data(attestation_payload(attestation)), key)


def test_it_requires_the_issuer_signature_and_verifies_both(alpha_draft, issuer_alice, auditor_dan, tmp_path):
    attestation_document_attach(user=issuer_alice, attestation=alpha_draft, content=PDF)
    with pytest.raises(ValidationError) as exc:
        attestation_submit(user=issuer_alice, attestation=alpha_draft)
    assert "Sign the attestation with the issuer's registered key" in str(exc.value)

    with pytest.raises(ValidationError) as exc:
        attestation_sign(user=issuer_alice, attestation=alpha_draft, signature=_sign(alpha_draft, MALLORY_KEY))
    assert "not by the registered issuer address" in exc.value.message_dict["signature"][0]
    with pytest.raises(ValidationError):
        attestation_sign(user=issuer_alice, attestation=alpha_draft, signature="0x1234")

    attestation_sign(user=issuer_alice, attestation=alpha_draft, signature=_sign(alpha_draft, ALPHA_KEY))
    attestation_submit(user=issuer_alice, attestation=alpha_draft)
    assert alpha_draft.status == AttestationStatus.SUBMITTED
    attestation_sign(user=auditor_dan, attestation=alpha_draft, signature=_sign(alpha_draft, AUDITOR_KEY))

    bundle = attestation_bundle(alpha_draft)
    assert bundle["payload"]["document_sha256"] == alpha_draft.document_sha256
    assert {s["role"] for s in bundle["signatures"]} == {"issuer", "auditor"}
    good = tmp_path / "bundle.json"
    good.write_text(json.dumps(bundle))
    ok = subprocess.run([sys.executable, str(REPO / "scripts/verify_attestation.py"), str(good)], capture_output=True)
    assert ok.returncode == 0, ok.stderr
    assert b"attestation verified" in ok.stdout
    call_command("verifyattestation", str(good))
    # The rest in-process (a subprocess costs a second of interpreter start-up each).
    verify_bundle = runpy.run_path(str(REPO / "scripts/verify_attestation.py"))["verify_bundle"]
    problems, _ = verify_bundle(json.loads(good.read_text()), expect={"issuer": "0x" + "ab" * 20})
    assert any("not by the registered address 0xabab" in p for p in problems)

    bundle["payload"]["holdings"][0]["market_value"] = "6000000.000000"
    bundle["payload_sha256"] = (
        __import__("hashlib")
        .sha256(json.dumps(bundle["payload"], sort_keys=True, separators=(",", ":")).encode())
        .hexdigest()
    )
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(bundle))
    problems, _ = verify_bundle(json.loads(bad.read_text()))
    assert any("payloadSha256" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("verifyattestation", str(bad))


def test_editing_a_draft_drops_its_signature(alpha_draft, issuer_alice):
    attestation_sign(user=issuer_alice, attestation=alpha_draft, signature=_sign(alpha_draft, ALPHA_KEY))
    attestation_document_attach(user=issuer_alice, attestation=alpha_draft, content=PDF)
    assert not alpha_draft.signatures.exists()


def test_signing_through_the_page(alpha_draft, issuer_alice, issuer_erin):
    client = login(issuer_alice)
    page = client.get(f"/attestations/{alpha_draft.pk}/").content.decode()
    assert "payloadSha256" in page
    response = client.post(f"/attestations/{alpha_draft.pk}/sign/", {"signature": _sign(alpha_draft, MALLORY_KEY)})
    assert "not by the registered issuer address" in client.get(response["Location"]).content.decode()
    client.post(f"/attestations/{alpha_draft.pk}/sign/", {"signature": _sign(alpha_draft, ALPHA_KEY)})
    assert alpha_draft.signatures.get().role == "issuer"
    # Another issuer's staff cannot sign it, even with the right key.
    assert (
        login(issuer_erin)
        .post(f"/attestations/{alpha_draft.pk}/sign/", {"signature": _sign(alpha_draft, ALPHA_KEY)})
        .status_code
        == 404
    )
