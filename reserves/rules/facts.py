"""What every rule check looks at (``Facts``, derived once from a run's inputs) and the helpers they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from reserves.rules.figures import HoldingView, Supply
from reserves.runtypes import AttestationInputs, LicenceInputs, RunInputs

Outcome = tuple[str, str, dict[str, Any]]


@dataclass
class Facts:
    """What the rules look at, derived once from the inputs."""

    inputs: RunInputs
    currency: str
    supply: Supply | None
    par_outstanding: Decimal | None
    holdings: list[HoldingView]
    eligible: Decimal | None  # eligible reserves after exclusions and haircuts; None without an attestation
    evaluated_at: datetime
    unverified: Decimal = Decimal(0)  # what holdings that could not be verified would add (HoldingView)

    @property
    def attestation(self) -> AttestationInputs | None:
        return self.inputs["attestation"]

    @property
    def licence(self) -> LicenceInputs:
        return self.inputs["licence"]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _pct(fraction: Decimal) -> str:
    """0.005 -> "0.5%" (exact, no trailing zeros)."""
    return f"{(fraction * 100).normalize():f}%"


def _needs_backing(f: Facts) -> str | None:
    if f.supply is None:
        return "no supply reading yet"
    if f.attestation is None:
        return "no submitted attestation"
    return None


def _per_holding(rule: str, f: Facts, what: str) -> Outcome:
    """Combine the per-holding verdicts of one rule: any fail fails, else any gap is not evaluable."""
    if f.attestation is None:
        return "not_evaluable", "no submitted attestation", {}
    lines = {o: [h for h in f.holdings if h.verdicts.get(rule, ("", ""))[0] == o] for o in ("fail", "not_evaluable")}
    figures = {
        o: [{"line": h.line, "reason": h.verdicts[rule][1], "value": _s(h.value)} for h in hs]
        for o, hs in lines.items()
    }
    checked = sum(1 for h in f.holdings if rule in h.verdicts)
    if lines["fail"]:
        return "fail", f"{len(lines['fail'])} holding(s) breach {what}", {**figures, "checked": checked}
    if lines["not_evaluable"]:
        return (
            "not_evaluable",
            f"{len(lines['not_evaluable'])} holding(s) lack the data to test {what}",
            {**figures, "checked": checked},
        )
    return "pass", f"{checked} holding(s) meet {what}", {"checked": checked}
