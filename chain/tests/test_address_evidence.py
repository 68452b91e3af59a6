"""Issue 17 point 10: a deployment's address carries its evidence (the regulator's register entry or
the issuer's announcement, with URL and date), kept in the registry and shown on the public page."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from chain.models import Deployment
from chain.registry import registry_validate
from chain.registry_file import RegistryError
from chain.registry_sync import registry_data, registry_load

pytestmark = pytest.mark.django_db

REGISTER = "https://www.hkma.gov.hk/eng/regulatory-resources/registers/"


def _registry(evidence: str) -> str:
    return f"""\
networks:
  - {{name: local, chain_id: 31337, rpc_urls: ["http://127.0.0.1:1"], confirmations: 2}}
stablecoins:
  - symbol: HKDA
    name: HKD Attested
    issuer: Example Issuer Ltd
    currency: HKD
    licences: [{{profile: HK, licence_id: FRS-TEST-1}}]
    deployments:
      - network: local
        address: "0x{"11" * 20}"
        decimals: 6
{evidence}
      - network: local
        address: "0x{"22" * 20}"
        decimals: 6
"""


def test_the_registry_keeps_each_addresss_evidence_and_the_public_page_shows_it():
    evidence = f'        evidence: {{kind: regulator_register, url: "{REGISTER}", date: 2026-04-10}}'
    registry_load(text=_registry(evidence), offline=True)
    listed, unlisted = Deployment.objects.order_by("address")
    assert (listed.evidence_kind, listed.evidence_url, listed.evidence_date) == (
        "regulator_register",
        REGISTER,
        date(2026, 4, 10),
    )
    assert not unlisted.evidenced
    exported = registry_data()["stablecoins"][0]["deployments"]
    assert exported[0]["evidence"] == {"kind": "regulator_register", "url": REGISTER, "date": "2026-04-10"}
    assert "evidence" not in exported[1]

    page = Client().get("/coins/HKDA/").content.decode()
    assert f'href="{REGISTER}"' in page and "Regulator&#x27;s register entry</a>, 2026-04-10" in page
    assert 'data-evidenced="no"' in page and "none on record" in page


@pytest.mark.parametrize(
    ("evidence", "problem"),
    [
        ('        evidence: {kind: rumour, url: "https://x.test", date: 2026-04-10}', "evidence kind"),
        ("        evidence: {kind: issuer_announcement, url: ftp://x.test, date: 2026-04-10}", "evidence url"),
        ('        evidence: {kind: issuer_announcement, url: "https://x.test"}', "evidence date"),
    ],
)
def test_incomplete_evidence_is_refused_with_its_line(evidence, problem):
    with pytest.raises(RegistryError, match=problem):
        registry_validate(_registry(evidence), source="registry.yaml")


def test_the_database_refuses_half_an_evidence():
    registry_load(text=_registry(""), offline=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deployment.objects.filter(address__iexact="0x" + "11" * 20).update(evidence_kind="issuer_announcement")
