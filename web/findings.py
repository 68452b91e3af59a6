"""A rule's finding in the reader's language, worded from the engine's stored English at display time.

The rules (reserves/rules/) store one English message per result, and a stored run must recompute to the
very same text (reserves/tests/test_rulepack_versions.py), so the message is never changed where it is made.
Pages read it back instead: each pattern below is one message the rules write, its figures in named groups;
the catalogue words it, amounts grouped and rounded to cents (``fmt_amount``). A message made of parts
joined by "; " is read part by part. Anything not matched, or not yet in the reader's catalogue, reads as
the engine's English with its amounts tidied (``fmt_message_amounts``), so no finding is ever lost.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from attest.models import CustodianType
from web.format import fmt_amount, fmt_message_amounts

_N = r"-?\d+(?:\.\d+)?"
_CUR = r"[A-Z]{3}"
_PCT = r"\d+(?:\.\d+)?%"

# Per-holding rules: what the holdings are tested against (reserves/rules/checks.py, ``_per_holding``).
_WHAT = {
    "the eligible asset classes": gettext_noop("the eligible asset classes"),
    "the maturity caps": gettext_noop("the maturity caps"),
    "the ban on encumbrance": gettext_noop("the ban on encumbrance"),
    "segregation and custody": gettext_noop("segregation and custody"),
    "the valuation method": gettext_noop("the valuation method"),
}
_CURRENCY_MATCH = re.compile(rf"the currency match with (?P<currency>{_CUR})")
# R25's report terms (reserves/rules/reports.py): the engagement and the assurance it gives, as the rule writes
# them (the stored value, underscores as spaces).
_TERMS = {"engagement type": gettext_noop("engagement type"), "assurance level": gettext_noop("assurance level")}
_REPORT_WORDS = {
    "examination": gettext_noop("examination"),
    "review": gettext_noop("review"),
    "agreed upon procedures": gettext_noop("agreed upon procedures"),
    "audit": gettext_noop("audit"),
    "reasonable": gettext_noop("reasonable"),
    "limited": gettext_noop("limited"),
    "none": gettext_noop("none"),
    "none stated": gettext_noop("none stated"),
}
# R4's action, from its rule pack (reserves/rulepacks/*.yaml, ``action``).
_ACTIONS = {
    "report the discrepancy to the HKMA at once": gettext_noop("report the discrepancy to the HKMA at once"),
    "issuance must halt at once": gettext_noop("issuance must halt at once"),
}

# (the stored English, with named groups; the catalogue's wording). amount*: money or token balances, read to
# cents; tokens: a count of tokens, kept whole when it is whole.
_PATTERNS: list[tuple[str, str]] = [
    (
        rf"eligible reserves (?P<amount>{_N}) (?P<currency>{_CUR}) cover par value outstanding (?P<amount_par>{_N})",
        gettext_noop("eligible reserves %(amount)s %(currency)s cover par value outstanding %(amount_par)s"),
    ),
    (
        rf"eligible reserves (?P<amount>{_N}) (?P<currency>{_CUR}) are below par value outstanding "
        rf"(?P<amount_par>{_N}) (?P=currency)",
        gettext_noop(
            "eligible reserves %(amount)s %(currency)s are below par value outstanding %(amount_par)s %(currency)s"
        ),
    ),
    (
        rf"verified eligible reserves (?P<amount>{_N}) (?P<currency>{_CUR}) are below par value outstanding "
        rf"(?P<amount_par>{_N}); holdings worth (?P<amount_unverified>{_N}) could not be verified",
        gettext_noop(
            "verified eligible reserves %(amount)s %(currency)s are below par value outstanding %(amount_par)s; "
            "holdings worth %(amount_unverified)s could not be verified"
        ),
    ),
    (
        r"eligible assets alone do not cover par value outstanding",
        gettext_noop("eligible assets alone do not cover par value outstanding"),
    ),
    (
        rf"excluded from reserves \((?P<amount>{_N}) (?P<currency>{_CUR})\)",
        gettext_noop("excluded from reserves (%(amount)s %(currency)s)"),
    ),
    (
        rf"reserves exceed par value outstanding by at least (?P<pct>{_PCT})",
        gettext_noop("reserves exceed par value outstanding by at least %(pct)s"),
    ),
    (
        rf"reserves are inside the (?P<pct>{_PCT}) buffer: (?P<amount>{_N}) < (?P<amount_required>{_N}) "
        rf"(?P<currency>{_CUR})",
        gettext_noop("reserves are inside the %(pct)s buffer: %(amount)s < %(amount_required)s %(currency)s"),
    ),
    (
        rf"reserves are below par value outstanding, let alone the (?P<pct>{_PCT}) buffer",
        gettext_noop("reserves are below par value outstanding, let alone the %(pct)s buffer"),
    ),
    (
        rf"(?P<tokens>{_N}) frozen tokens counted as outstanding and backed",
        gettext_noop("%(tokens)s frozen tokens counted as outstanding and backed"),
    ),
    (
        rf"(?P<tokens>{_N}) frozen tokens deducted from outstanding",
        gettext_noop("%(tokens)s frozen tokens deducted from outstanding"),
    ),
    (
        r"(?P<n>\d+) holding\(s\) breach (?P<what>[^;]+)",
        gettext_noop("%(n)s holding(s) breach %(what)s"),
    ),
    (
        r"(?P<n>\d+) holding\(s\) lack the data to test (?P<what>[^;]+)",
        gettext_noop("%(n)s holding(s) lack the data to test %(what)s"),
    ),
    (
        r"(?P<n>\d+) holding\(s\) meet (?P<what>[^;]+)",
        gettext_noop("%(n)s holding(s) meet %(what)s"),
    ),
    (
        rf"deposits (?P<amount>{_N}) are at least (?P<pct>{_PCT}) of eligible reserves",
        gettext_noop("deposits %(amount)s are at least %(pct)s of eligible reserves"),
    ),
    (
        rf"deposits (?P<amount>{_N}) are below (?P<pct>{_PCT}) of eligible reserves (?P<amount_eligible>{_N})",
        gettext_noop("deposits %(amount)s are below %(pct)s of eligible reserves %(amount_eligible)s"),
    ),
    (
        rf"no institution holds more than (?P<pct>{_PCT}) of eligible reserves",
        gettext_noop("no institution holds more than %(pct)s of eligible reserves"),
    ),
    (r"(?P<n>\d+) supply mismatch\(es\)", gettext_noop("%(n)s supply mismatch(es)")),
    (
        r"issuer figures match on-chain outstanding on (?P<n>\d+) chain\(s\)",
        gettext_noop("issuer figures match on-chain outstanding on %(n)s chain(s)"),
    ),
    (r"the chain ledger agrees with supply", gettext_noop("the chain ledger agrees with supply")),
    (
        r"no issuer figures at the as-of block and no ledger check",
        gettext_noop("no issuer figures at the as-of block and no ledger check"),
    ),
    (
        r"whether holders are paid interest is not stated",
        gettext_noop("whether holders are paid interest is not stated"),
    ),
    (r"holders are paid interest or yield", gettext_noop("holders are paid interest or yield")),
    (r"no interest is paid to holders", gettext_noop("no interest is paid to holders")),
    (r"no stated total", gettext_noop("no stated total")),
    (
        r"a line in another currency has no exchange rate",
        gettext_noop("a line in another currency has no exchange rate"),
    ),
    (
        rf"stated total (?P<amount>{_N}) equals the sum of the lines",
        gettext_noop("stated total %(amount)s equals the sum of the lines"),
    ),
    (
        rf"stated total (?P<amount>{_N}) differs from the sum of the lines (?P<amount_lines>{_N}) "
        rf"(?P<currency>{_CUR})",
        gettext_noop("stated total %(amount)s differs from the sum of the lines %(amount_lines)s %(currency)s"),
    ),
    (
        r"readings are pinned at the attestation's as-of time",
        gettext_noop("readings are pinned at the attestation's as-of time"),
    ),
    (
        r"the oldest supply reading is (?P<age>-?\d+) s old; at most (?P<limit>\d+)",
        gettext_noop("the oldest supply reading is %(age)s s old; at most %(limit)s s"),
    ),
    (r"supply read (?P<age>-?\d+) s before evaluation", gettext_noop("supply read %(age)s s before evaluation")),
    (
        rf"no report of the required type has been filed while (?P<amount>{_N}) tokens are outstanding",
        gettext_noop("no report of the required type has been filed while %(amount)s tokens are outstanding"),
    ),
    (
        r"no report of the required type has been submitted",
        gettext_noop("no report of the required type has been submitted"),
    ),
    (
        r"the newest report is (?P<age>-?\d+) days old \(as of (?P<date>\d{4}-\d{2}-\d{2})\); at most (?P<limit>\d+)",
        gettext_noop("the newest report is %(age)s days old (as of %(date)s); at most %(limit)s days"),
    ),
    (
        r"the newest report is (?P<age>-?\d+) days old; at most (?P<limit>\d+)",
        gettext_noop("the newest report is %(age)s days old; at most %(limit)s days"),
    ),
    (
        r"the periodic audit applies to significant tokens only",
        gettext_noop("the periodic audit applies to significant tokens only"),
    ),
    (
        r"the licence sets no attestation interval and the regime gives none",
        gettext_noop("the licence sets no attestation interval and the regime gives none"),
    ),
    (
        r"no independent attestation or audit has been filed",
        gettext_noop("no independent attestation or audit has been filed"),
    ),
    (r"no submitted attestation", gettext_noop("no submitted attestation")),
    (r"no supply reading yet", gettext_noop("no supply reading yet")),
    (r"no opinion recorded", gettext_noop("no opinion recorded")),
    (r"no CEO or CFO certification recorded", gettext_noop("no CEO or CFO certification recorded")),
    (r"no certification recorded", gettext_noop("no certification recorded")),
    (r"CEO and CFO certified after the as-of date", gettext_noop("CEO and CFO certified after the as-of date")),
    (
        r"the licence sets no buffer and the regime gives no number",
        gettext_noop("the licence sets no buffer and the regime gives no number"),
    ),
    (r"no buffer is set for this licence", gettext_noop("no buffer is set for this licence")),
    (
        rf"deposits at (?P<institutions>[a-z_, ]+) institutions (?P<amount>{_N}) are below (?P<pct>{_PCT}) of the "
        rf"funds received (?P<amount_base>{_N})",
        gettext_noop("deposits at %(institutions)s %(amount)s are below %(pct)s of the funds received %(amount_base)s"),
    ),
    (
        rf"deposits at (?P<institutions>[a-z_, ]+) institutions (?P<amount>{_N}) meet (?P<pct>{_PCT}) but not the "
        rf"(?P<pct_draft>{_PCT}) of the draft RTS for significant tokens \(not in force\)",
        gettext_noop(
            "deposits at %(institutions)s %(amount)s meet %(pct)s but not the %(pct_draft)s of the draft RTS "
            "for significant tokens (not in force)"
        ),
    ),
    (
        rf"deposits at (?P<institutions>[a-z_, ]+) institutions (?P<amount>{_N}) are at least (?P<pct>{_PCT}) of "
        rf"the funds received (?P<amount_base>{_N})",
        gettext_noop(
            "deposits at %(institutions)s %(amount)s are at least %(pct)s of the funds received %(amount_base)s"
        ),
    ),
    (
        r"(?P<term>engagement type|assurance level) (?P<stated>[a-z ]+?), not (?P<allowed>[a-z_]+(?: or [a-z_]+)*)",
        gettext_noop("%(term)s %(stated)s, not %(allowed)s"),
    ),
    (
        r"shortfall since (?P<date>\d{4}-\d{2}-\d{2}) \((?P<days>\d+) business day\(s\)\): (?P<action>[^;]+)",
        gettext_noop("shortfall since %(date)s (%(days)s business day(s)): %(action)s"),
    ),
    (
        r"liquidation trigger raised after (?P<days>\d+) consecutive business days",
        gettext_noop("liquidation trigger raised after %(days)s consecutive business days"),
    ),
    (r"no shortfall", gettext_noop("no shortfall")),
    (
        r"no submitted attestation or no supply reading",
        gettext_noop("no submitted attestation or no supply reading"),
    ),
    (r"unmodified opinion", gettext_noop("unmodified opinion")),
    (r"qualified opinion", gettext_noop("qualified opinion")),
    (r"adverse opinion", gettext_noop("adverse opinion")),
    (r"disclaimer opinion", gettext_noop("disclaimer of opinion")),
]
_COMPILED = [(re.compile(pattern), words) for pattern, words in _PATTERNS]


def _figure(name: str, value: str) -> str:
    if name.startswith("amount"):
        return fmt_amount(Decimal(value))
    if name == "tokens":  # frozen tokens: a whole count stays whole
        return fmt_amount(Decimal(value), 2 if "." in value else 0)
    if name == "institutions":
        kinds = dict(CustodianType.choices)
        return gettext(", ").join(gettext(str(kinds.get(k, k))) for k in value.split(", "))
    if name == "age":
        return str(max(int(value), 0))  # a report stated a moment after the evaluation is "now", not "-1"
    if name == "action":
        return gettext(_ACTIONS[value]) if value in _ACTIONS else value
    if name == "term":
        return gettext(_TERMS[value])
    if name in ("stated", "allowed"):
        words = [w.replace("_", " ") for w in value.split(" or ")]
        return gettext(" or ").join(gettext(_REPORT_WORDS[w]) if w in _REPORT_WORDS else w for w in words)
    if name == "what":
        if m := _CURRENCY_MATCH.fullmatch(value):
            return gettext("the currency match with %(currency)s") % m.groupdict()
        return gettext(_WHAT[value]) if value in _WHAT else value
    return value


def _part(text: str) -> str | None:
    """One message (or one "; " part of one) in the reader's language; None when no pattern words it."""
    for pattern, words in _COMPILED:
        if m := pattern.fullmatch(text):
            return gettext(words) % {k: _figure(k, v) for k, v in m.groupdict().items()}
    return None


def finding_text(message: str) -> str:
    """A rule's stored message as the reader reads it (display only: the stored English is the record)."""
    message = message.strip()
    if whole := _part(message):
        return whole
    parts = [_part(p) for p in message.split("; ")]
    if message and all(parts):
        return gettext("; ").join(p for p in parts if p)
    return fmt_message_amounts(message)


_RESOLVED = re.compile(r"(?P<outcome>pass|fail|warn|not_evaluable|not_applicable): (?P<message>.*)", re.S)
_SEVERITY = re.compile(r"(?P<before>\w+) -> (?P<after>\w+)")


def event_note(kind: str, note: str) -> str:
    """The note the engine wrote on a flag's history (reserves/services.py ``_flag_event``), for reading:
    the finding that opened it, the outcome that resolved it, or the change of severity."""
    from web.labels import code_label  # web.labels reads findings through this module

    if kind == "opened":
        return finding_text(note)
    if kind == "resolved" and (m := _RESOLVED.fullmatch(note)):
        return f"{code_label(m['outcome'])}: {finding_text(m['message'])}"
    if kind == "severity" and (m := _SEVERITY.fullmatch(note)):
        return f"{code_label(m['before'])} → {code_label(m['after'])}"
    return note
