"""Hand-built run inputs for the pure rule tests, and readers of their outputs: no database, no chain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, cast

from attest.validation import AttestationDetails
from reserves.compute import INPUTS_FORMAT
from reserves.rulepacks import rulepack_load, rulepack_sha256
from reserves.runtypes import RunInputs

AS_OF = "2026-11-01T12:00:00+00:00"
EVALUATED_AT = "2026-11-02T00:00:00+00:00"
CURRENCY = {"HK": "HKD", "US_GENIUS": "USD", "US_NYDFS": "USD", "EU_MICA": "EUR", "SG_MAS": "SGD", "": "USD"}
PROFILES = ["HK", "US_GENIUS", "US_NYDFS", "EU_MICA"]
AS_OF_DATE = date.fromisoformat(AS_OF[:10])


def days(n: int) -> str:
    """The date ``n`` days after the as-of date, as the ISO text a holding carries."""
    return (AS_OF_DATE + timedelta(days=n)).isoformat()


def result(out: Mapping[str, Any], rule: str) -> dict[str, Any]:
    """The one result of ``rule`` in compute's output."""
    found: list[dict[str, Any]] = [r for r in out["results"] if r["rule"] == rule]
    assert len(found) == 1
    return found[0]


def outcome(out: Mapping[str, Any], rule: str) -> str:
    return str(result(out, rule)["outcome"])


def holding(value: str, asset_class: str = "demand_deposit", **extra: Any) -> dict[str, Any]:
    """A holding that passes every per-holding rule of every pack unless ``extra`` says otherwise."""
    return {
        "line": extra.pop("line", 1),
        "asset_class": asset_class,
        "custodian": extra.pop("custodian", "Bank A"),
        "custodian_type": "bank",
        "account_type": "trust",
        "segregated": True,
        "encumbered": False,
        "currency": extra.pop("currency", None),
        "market_value": value,
        "fx_rate": None,
        "regulator_approval_ref": "",
        "maturity_date": None,
        "issue_date": None,
        "acquisition_date": None,
        **extra,
    }


def reading(total: int, *, chain_id: int = 31337, balances: tuple[tuple[str, int], ...] = (), decimals: int = 0,
            block_time: str = "2026-11-01T11:59:00+00:00") -> dict[str, Any]:  # fmt: skip
    return {
        "reading_id": 1,
        "deployment_id": chain_id,
        "address": "0x" + "1" * 40,
        "decimals": decimals,
        "chain_id": chain_id,
        "block_number": 100,
        "block_hash": "0x" + "a" * 64,
        "block_time": block_time,
        "total_supply": str(total),
        "balances": [{"bucket": b, "address": "0x" + "2" * 40, "raw": str(raw)} for b, raw in balances],
    }


def inputs(
    profile: str,
    holdings: list[dict[str, Any]] | None,
    *,
    readings: list[dict[str, Any]] | None = None,
    supply: int = 100,
    licence: dict[str, Any] | None = None,
    attestation: dict[str, Any] | None = None,
    latest_reports: dict[str, str] | None = None,
    evaluated_at: str = EVALUATED_AT,
    basis: str = "latest",
    supply_findings: list[dict[str, Any]] | None = None,
    assurance: dict[str, Any] | None = None,
) -> RunInputs:
    """Inputs as reserves.services.run_inputs builds them; ``holdings=None`` means no attestation.

    The newest independent report (``latest_assurance``, what R25 judges) is the attestation itself,
    changed by ``assurance``; ``assurance={"report_type": None}`` means none was ever filed.

    Cast once: the tests leave out attestation fields (assurer, document hash, stated total) that the
    rules read with ``.get``, so the dict is a RunInputs only in the keys the rules index.
    """
    currency = CURRENCY[profile]
    pack = rulepack_load(profile)
    for i, h in enumerate(holdings or [], start=1):
        h["line"] = i
        h["currency"] = h["currency"] or currency
    data = {
        "format": INPUTS_FORMAT,
        "stablecoin": "TEST",
        "currency": currency,
        "par_value": "1",
        "profile": profile,
        "rulepack_version": pack["version"],
        "rulepack_sha256": rulepack_sha256(pack),
        "rulepack": pack,
        "licence": {"licence_id": "L1", "buffer_min": None, "significant": False, "attestation_interval_days": None}
        | (licence or {}),
        "evaluated_at": evaluated_at,
        "readings_basis": basis,
        "attestation": None
        if holdings is None
        else {
            "id": 1,
            "version": 1,
            "as_of": AS_OF,
            "as_of_timezone": "UTC",
            "report_type": "attestation",
            "opinion": "unmodified",
            "engagement_type": "examination",
            "assurance_level": "reasonable",
            "pays_holder_interest": False,
            "ceo_name": "C. Exec",
            "ceo_certified_at": "2026-11-05T00:00:00+00:00",
            "cfo_name": "F. Officer",
            "cfo_certified_at": "2026-11-05T00:00:00+00:00",
            "holdings": holdings,
            "issuer_figures": [],
        }
        | (attestation or {}),
        "latest_reports": {"attestation": AS_OF} if latest_reports is None else latest_reports,
        "supply_findings": supply_findings or [],
        "ledger_checked": False,
        "readings": [reading(supply)] if readings is None else readings,
    }
    attested: dict[str, Any] | None = data["attestation"]  # type: ignore[assignment]
    report = None
    if attested is not None or assurance:
        keys = ("id", "version", "report_type", "as_of", "standard", "engagement_type", "assurance_level", "opinion")
        report = {k: (attested or {}).get(k, "") for k in keys} | (assurance or {})
    data["latest_assurance"] = None if report is None or report["report_type"] is None else report
    return cast(RunInputs, data)


def certified(at: datetime) -> AttestationDetails:
    """A header with the CEO and CFO certifications the GENIUS Act asks of a monthly report."""
    return AttestationDetails(
        ceo_name="Casey Chief", ceo_certified_at=at, cfo_name="Frankie Finance", cfo_certified_at=at
    )
