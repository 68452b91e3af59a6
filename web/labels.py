"""The words pages show for the domain's codes, translatable: the domain keeps its English, pages translate.

The domain (reserves/verdict.py, the models' choices, the rule packs) stores codes and English labels,
and the public API serves them as they are. Pages look the words up here, so they reach the catalogue
(``gettext_noop`` marks them for ``makemessages``) and are translated when the page is rendered.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.utils.translation import gettext, gettext_noop

from reserves.rulepacks import FILES, rulepack_load
from web.findings import finding_text

# Codes shown as badges: verdicts, freshness, severities, statuses of attestations, runs and flags.
CODES = {
    "backed": gettext_noop("Fully backed"),
    "under_collateralised": gettext_noop("Under-collateralised"),
    "unverified": gettext_noop("Unverified"),
    "at_risk": gettext_noop("At risk"),
    "fresh": gettext_noop("fresh"),
    "stale": gettext_noop("stale"),
    "degraded": gettext_noop("degraded"),
    "no_data": gettext_noop("no data"),
    "critical": gettext_noop("critical"),
    "high": gettext_noop("high"),
    "medium": gettext_noop("medium"),
    "low": gettext_noop("low"),
    "draft": gettext_noop("Draft"),
    "submitted": gettext_noop("Submitted"),
    "accepted": gettext_noop("Accepted"),
    "rejected": gettext_noop("Rejected"),
    "changes_requested": gettext_noop("Changes requested"),
    "open": gettext_noop("Open"),
    "acknowledged": gettext_noop("Acknowledged"),
    "resolved": gettext_noop("Resolved"),
    "no_attestation": gettext_noop("No attestation"),
    "no_supply": gettext_noop("No supply reading"),
    "pass": gettext_noop("pass"),
    "fail": gettext_noop("fail"),
    "warn": gettext_noop("warn"),
    "not_evaluable": gettext_noop("not evaluable"),
    "not_applicable": gettext_noop("not applicable"),
    # A flag's history (reserves.models.FlagEvent.kind).
    "opened": gettext_noop("opened"),
    "severity": gettext_noop("severity changed"),
    "resolved_by_hand": gettext_noop("resolved by hand"),
}

# reserves.verdict.REVIEW_LABELS, by attestation status.
REVIEW = {
    "submitted": gettext_noop("under review"),
    "changes_requested": gettext_noop("under review: the regulator asked for changes"),
    "accepted": gettext_noop("accepted by the regulator"),
    "rejected": gettext_noop("rejected by the regulator"),
}

# Reasons whose text carries no figure, translated whole; the others keep the domain's English text.
REASONS = {
    "not_reconciled": gettext_noop("not yet reconciled"),
    "no_supply": gettext_noop("no supply reading yet"),
    "no_attestation": gettext_noop("no attestation has been filed"),
}

# English labels the domain hands to pages (choices, composition buckets, profiles, rule names).
TEXTS = [
    gettext_noop("By asset class"),
    gettext_noop("By custodian"),
    gettext_noop("By residual maturity"),
    gettext_noop("none"),
    gettext_noop("Cash"),
    gettext_noop("Central bank deposit"),
    gettext_noop("Demand deposit"),
    gettext_noop("Term deposit"),
    gettext_noop("Treasury bill"),
    gettext_noop("Treasury note"),
    gettext_noop("Treasury bond"),
    gettext_noop("Other government debt"),
    gettext_noop("Overnight reverse repo"),
    gettext_noop("Term reverse repo"),
    gettext_noop("Repo cash"),
    gettext_noop("Government money-market fund"),
    gettext_noop("Dedicated fund"),
    gettext_noop("Tokenised asset"),
    gettext_noop("Other"),
    gettext_noop("Hong Kong (HKMA)"),
    gettext_noop("United States (GENIUS Act)"),
    gettext_noop("United States (NYDFS)"),
    gettext_noop("European Union (MiCA EMT)"),
    gettext_noop("Singapore (MAS)"),
    # The packs' own names (reserves/rulepacks/*.yaml) where they differ from the profile's.
    gettext_noop("European Union (MiCA e-money tokens)"),
    gettext_noop("No licence (backing only)"),
    gettext_noop("Attestation"),
    gettext_noop("Audit"),
    gettext_noop("Daily statement"),
    gettext_noop("Weekly disclosure"),
    gettext_noop("Monthly report"),
    gettext_noop("Unmodified / fairly stated"),
    gettext_noop("Qualified"),
    gettext_noop("Adverse"),
    gettext_noop("Disclaimer of opinion"),
    gettext_noop("Reasonable"),
    gettext_noop("Limited"),
    gettext_noop("Examination"),
    gettext_noop("Review"),
    gettext_noop("Agreed-upon procedures"),
    gettext_noop("Issuer"),
    gettext_noop("Auditor"),
    gettext_noop("New attestation"),
    gettext_noop("New supply reading"),
    gettext_noop("Schedule"),
    gettext_noop("Manual"),
    gettext_noop("Central bank"),
    gettext_noop("Licensed bank"),
    gettext_noop("Trust company"),
    gettext_noop("Qualified custodian"),
    gettext_noop("Broker-dealer"),
    gettext_noop("Trust account"),
    gettext_noop("For the benefit of holders"),
    gettext_noop("Segregated custody"),
    gettext_noop("Omnibus"),
    gettext_noop("Market value"),
    gettext_noop("Amortised cost"),
    gettext_noop("Net asset value"),
    gettext_noop("None"),
    # Rule names of the packs in reserves/rulepacks/*.yaml.
    gettext_noop("Capital"),
    gettext_noop("Custodian rating"),
    gettext_noop("Custody timeliness"),
    gettext_noop("Deduction evidence"),
    gettext_noop("Issuer quality"),
    gettext_noop("Liquidity against stressed redemptions"),
    gettext_noop("Money-market fund look-through"),
    gettext_noop("No redemption fee"),
    gettext_noop("One reserve pool per coin"),
    gettext_noop("Own funds"),
    gettext_noop("Random-day test"),
    gettext_noop("Redemption SLA"),
    gettext_noop("Redemption T+2"),
    gettext_noop("Redemption at any moment"),
    gettext_noop("Redemption fees"),
    gettext_noop("Redemption within 5 business days"),
    gettext_noop("Redemption within one business day"),
    gettext_noop("Reserve reconciliation"),
    gettext_noop("Reverse repo collateral"),
    gettext_noop("Shortfall escalation"),
    gettext_noop("Significant redemptions"),
    gettext_noop("State threshold"),
    gettext_noop("Thresholds"),
    gettext_noop("Tokenised assets"),
    gettext_noop("Full backing"),
    gettext_noop("Eligible assets only"),
    gettext_noop("Over-collateralisation buffer"),
    gettext_noop("Frozen tokens stay backed"),
    gettext_noop("Frozen tokens deducted"),
    gettext_noop("Maturity caps"),
    gettext_noop("Currency match"),
    gettext_noop("No rehypothecation"),
    gettext_noop("Segregation and custody"),
    gettext_noop("Supply reconciliation"),
    gettext_noop("Weekly publication"),
    gettext_noop("Monthly publication"),
    gettext_noop("Attestation freshness"),
    gettext_noop("Unmodified opinion"),
    gettext_noop("No interest to holders"),
    gettext_noop("Stated total equals the lines"),
    gettext_noop("Valuation method"),
    gettext_noop("Chain data fresh"),
    gettext_noop("Deposit minimum"),
    gettext_noop("Institution concentration"),
    gettext_noop("CEO and CFO certification"),
    # What a verdict's figures stand on (reserves.verdict.BASIS_LABELS, INDICATIVE_LABEL).
    gettext_noop("supply pinned at the attestation's as-of instant, against the reserves attested then"),
    gettext_noop(
        "the chain has no block as old as the attestation's as-of instant: the earliest supply read after it, "
        "against the reserves attested then"
    ),
    gettext_noop(
        "the supply at the attestation's as-of instant is not read yet, or its node could not serve it: the latest "
        "supply read, against the reserves attested then"
    ),
    gettext_noop("the latest supply read"),
    gettext_noop("indicative: the latest supply read against the last attested reserves (not a verdict)"),
]

# The regulators of the rule-pack profiles, for a licence that does not name its own.
REGULATORS = {
    "HK": gettext_noop("Hong Kong Monetary Authority"),
    "US_GENIUS": gettext_noop("Office of the Comptroller of the Currency"),
    "US_NYDFS": gettext_noop("New York State Department of Financial Services"),
    "EU_MICA": gettext_noop("the EU member state's competent authority"),
}


def code_label(code: str) -> str:
    return gettext(CODES[code]) if code in CODES else code.replace("_", " ")


def review_label(status: str) -> str:
    return gettext(REVIEW[status]) if status in REVIEW else ""


# The reasons reserves/verdict.py words with figures in them, read back so they can be said in the reader's
# language; a text that does not match keeps the domain's English.
_SHORTFALL = re.compile(r"^eligible reserves are (?P<amount>[\d,.]+) below par value outstanding$")
_REVIEWED = re.compile(r"^attestation v(?P<version>\d+) (?:is|was) ")
_RULE = re.compile(r"^(?P<rule>[A-Z]+\d+)(?: \((?P<severity>\w+)\))?(?: open)?: (?P<message>.*)$", re.S)
_CHAIN = re.compile(r"^chain data (?P<status>\w+)(?:: (?P<why>.*))?$", re.S)


def reason_text(reason: dict[str, Any]) -> str:
    code, text = str(reason.get("code", "")), str(reason.get("text", ""))
    if code in REASONS:
        return gettext(REASONS[code])
    if code == "shortfall" and (m := _SHORTFALL.match(text)):
        return gettext("eligible reserves are %(amount)s below par value outstanding") % m.groupdict()
    status = code.removeprefix("attestation_")
    if status in REVIEW and (m := _REVIEWED.match(text)):
        return gettext("attestation v%(version)s is %(review)s") % {
            "version": m["version"],
            "review": review_label(status),
        }
    if (code.startswith("finding_") or code in ("attestation_stale", "chain_stale")) and (m := _RULE.match(text)):
        words = {"rule": m["rule"], "name": rule_name(m["rule"]), "message": finding_text(m["message"])}
        if m["severity"]:
            return gettext("%(rule)s %(name)s (%(severity)s): %(message)s") % {
                **words,
                "severity": code_label(m["severity"]),
            }
        return gettext("%(rule)s %(name)s: %(message)s") % words
    if code.startswith("chain_") and (m := _CHAIN.match(text)):
        status_words = code_label(m["status"])
        if m["why"]:
            return gettext("chain data %(status)s: %(why)s") % {"status": status_words, "why": m["why"]}
        return gettext("chain data %(status)s") % {"status": status_words}
    if code == "reconciliation_failed":
        return gettext("reconciliation failing: %(error)s") % {"error": text.removeprefix("reconciliation failing: ")}
    return text


# reserves.freshness.single_source_of's words, with the networks' names in them.
_SINGLE_SOURCE = re.compile(r"^single source: (?P<networks>.*) read from one RPC URL, not cross-checked$", re.S)


def single_source_text(value: str) -> str:
    if m := _SINGLE_SOURCE.match(value):
        return gettext("single source: %(networks)s read from one RPC URL, not cross-checked") % m.groupdict()
    return value


def text(value: str) -> str:
    """An English label from the domain, in the reader's language when the catalogue has it."""
    return gettext(value) if value else value


@functools.cache
def _rule_names() -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for profile in FILES:
        for rule, spec in rulepack_load(profile)["rules"].items():
            names[(profile, rule)] = str(spec["name"])
            names.setdefault(("*", rule), str(spec["name"]))
    return names


def rule_name(rule: str, profile: str = "") -> str:
    """The rule's name in the profile's pack (in any pack when that one lacks it), translated."""
    names = _rule_names()
    name = names.get((profile, rule)) or names.get(("*", rule), "")
    return gettext(name) if name else ""
