"""The verdict: the one answer published per coin and licence, from a run and what surrounds it. Pure.

Ordered worst first (docs/publications.md):

1. ``under_collateralised``: the attested eligible reserves are below par value outstanding. This
   wins over everything below: a regulator's "request changes" or "reject" does not hide a
   shortfall that the issuer's own latest statement shows.
2. ``unverified``: nothing trustworthy to say: no attestation, a stale or rejected one, reserves
   that could be verified falling short while others could not be verified, chain data stale or
   degraded, no supply reading, or the reconciliation itself failing. Each reason is said.
3. ``at_risk``: backed on the figures, but inside the licence's buffer or with another critical or
   high finding open.
4. ``backed``: the figures cover par value and no critical or high finding is open.

"Backed" never appears while a critical or high finding is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

UNDER = "under_collateralised"
UNVERIFIED = "unverified"
AT_RISK = "at_risk"
BACKED = "backed"
ORDER = (UNDER, UNVERIFIED, AT_RISK, BACKED)
LABELS = {UNDER: "Under-collateralised", UNVERIFIED: "Unverified", AT_RISK: "At risk", BACKED: "Fully backed"}

# Failing freshness rules say the figures themselves are out of date, so nothing verified stands:
# R22-R24 (the attested reserves are too old), X1 (the chain data under the figures is).
UNVERIFYING_RULES = frozenset({"R22", "R23", "R24", "X1"})
SERIOUS = frozenset({"critical", "high"})
FLAGGING = frozenset({"fail", "warn"})

REVIEW_LABELS = {
    "submitted": "under review",
    "changes_requested": "under review: the regulator asked for changes",
    "accepted": "accepted by the regulator",
    "rejected": "rejected by the regulator",
}

# What the verdict's figures stand on, in words: the two instants are never shown as one.
BASIS_LABELS = {
    "as_of": "supply pinned at the attestation's as-of instant, against the reserves attested then",
    "latest_no_block_at_as_of": (
        "the chain has no block as old as the attestation's as-of instant: the earliest supply read after it, "
        "against the reserves attested then"
    ),
    "latest_as_of_unread": (
        "the supply at the attestation's as-of instant is not read yet, or its node could not serve it: the latest "
        "supply read, against the reserves attested then"
    ),
    "latest": "the latest supply read",
}
# The bases of an attestation's own run at its as-of instant (what its verdict runs reuse).
AS_OF_BASES = ("as_of", "latest_no_block_at_as_of")
INDICATIVE_LABEL = "indicative: the latest supply read against the last attested reserves (not a verdict)"


@dataclass(frozen=True)
class Reason:
    code: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


@dataclass(frozen=True)
class Finding:
    """An unresolved flag of the coin under the licence, as the verdict sees it."""

    rule: str
    severity: str
    message: str


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reasons: tuple[Reason, ...]


def worst(verdicts: Iterable[str]) -> str:
    """The worst of several verdicts (a coin under several licences is headlined by its worst)."""
    return min(verdicts, key=ORDER.index, default=UNVERIFIED)


def judge(
    *,
    # A Mapping rather than reserves.runtypes.RunOutputs: the verdict reads only status, results and
    # headroom, and its tests state just those; RunOutputs is a Mapping, so typed callers pass it as is.
    outputs: Mapping[str, Any] | None,
    error: str = "",
    attestation_status: str = "",
    attestation_version: int | None = None,
    findings: Sequence[Finding] = (),
    freshness: str = "fresh",
    freshness_reason: str = "",
) -> Judgement:
    """Judge one licence's figures (compute() outputs, or None when the run failed) in their context."""
    if error or outputs is None:
        return Judgement(UNVERIFIED, (Reason("reconciliation_failed", f"reconciliation failing: {error}"),))
    results = {r["rule"]: r for r in outputs.get("results", [])}
    version = f"attestation v{attestation_version}" if attestation_version else "the attestation"
    if outputs["status"] == UNDER:
        reasons = [Reason("shortfall", _shortfall_text(outputs))]
        if attestation_status in ("submitted", "changes_requested", "rejected"):
            reasons.append(
                Reason(f"attestation_{attestation_status}", f"{version} is {REVIEW_LABELS[attestation_status]}")
            )
        return Judgement(UNDER, tuple(reasons))

    unverified: list[Reason] = []
    if outputs["status"] == "no_supply":
        unverified.append(Reason("no_supply", "no supply reading yet"))
    if outputs["status"] == "no_attestation":
        unverified.append(Reason("no_attestation", "no attestation has been filed"))
    if outputs["status"] == "reserves_unverified":
        r1 = results.get("R1")
        unverified.append(Reason("reserves_unverified", r1["message"] if r1 else "reserves could not be verified"))
    if attestation_status == "rejected":
        unverified.append(Reason("attestation_rejected", f"{version} was rejected by the regulator"))
    for rule in sorted(UNVERIFYING_RULES & results.keys()):
        if results[rule]["outcome"] in FLAGGING:
            code = "chain_stale" if rule == "X1" else "attestation_stale"
            unverified.append(Reason(code, f"{rule}: {results[rule]['message']}"))
    if freshness in ("stale", "degraded", "no_data"):
        unverified.append(Reason(f"chain_{freshness}", f"chain data {freshness}: {freshness_reason}".rstrip(": ")))
    if unverified:
        return Judgement(UNVERIFIED, tuple(unverified))

    serious = [f for f in findings if f.severity in SERIOUS]
    failing_now = [
        r
        for r in results.values()
        if r["outcome"] in FLAGGING and r["severity"] in SERIOUS and r["rule"] not in {f.rule for f in serious}
    ]
    at_risk = [Reason(f"finding_{f.rule}", f"{f.rule} ({f.severity}) open: {f.message}") for f in serious]
    at_risk += [Reason(f"finding_{r['rule']}", f"{r['rule']} ({r['severity']}): {r['message']}") for r in failing_now]
    if at_risk:
        return Judgement(AT_RISK, tuple(at_risk))
    return Judgement(BACKED, ())


def _shortfall_text(outputs: Mapping[str, Any]) -> str:
    headroom = outputs.get("headroom")
    if headroom is None:
        return "eligible reserves are below par value outstanding"
    # Exact, without the 18 storage places: "200000.000000000000000000" reads as "200,000", 0.001 stays 0.001.
    short = Decimal(headroom).copy_abs().normalize()
    return f"eligible reserves are {short:,f} below par value outstanding"


def stale_reason(max_age: int) -> str:
    """Why chain data is stale. No age in the words: an answer must read the same from its first stale
    second on (stored answers are prepared once for "fresh" and once for "stale"; reserves/documents.py)."""
    return f"chain data is more than {max_age} s old"


def live_freshness(*, read_at_age: int | None, max_age: int, stored: str, stored_reason: str) -> tuple[str, str]:
    """A stored publication's freshness as of now: chain data ages into "stale" between publications."""
    if read_at_age is not None and read_at_age > max_age and stored in ("fresh", "degraded"):
        return "stale", stale_reason(max_age)
    return stored, stored_reason


def live_verdict(
    verdict: str, reasons: Sequence[dict[str, str]], freshness: str, reason: str
) -> tuple[str, list[dict[str, str]]]:
    """The stored verdict, turned unverified when its chain data went stale after it was published."""
    if freshness == "stale" and verdict in (AT_RISK, BACKED):
        return UNVERIFIED, [Reason("chain_stale", f"chain data stale: {reason}").as_json()]
    return verdict, list(reasons)
