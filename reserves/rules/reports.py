"""Rule checks on the reports behind the figures: how fresh they are (R22-R24), the independent
report's opinion and engagement (R25) and the executives' certification (R26). Pure, like checks.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from reserves.rules.facts import Facts, Outcome
from reserves.rules.figures import parse_time


def _report_age(params: dict[str, Any], f: Facts, max_days: int, types: list[str] | None) -> Outcome:
    reports: dict[str, str] = f.inputs.get("latest_reports") or {}
    candidates = [parse_time(v) for k, v in reports.items() if types is None or k in types]
    if not candidates:
        # Tokens outstanding with nothing ever filed is the stalest a report can be, not a gap in the data.
        if f.supply is not None and f.supply.outstanding > 0:
            return (
                "fail",
                f"no report of the required type has been filed while {f.supply.outstanding} tokens are outstanding",
                {"max_age_days": max_days},
            )
        return "not_evaluable", "no report of the required type has been submitted", {"max_age_days": max_days}
    newest = max(candidates)
    age = f.evaluated_at - newest
    figures = {"newest_as_of": newest.isoformat(), "age_days": age.days, "max_age_days": max_days}
    if age > timedelta(days=max_days):
        return (
            "fail",
            f"the newest report is {age.days} days old (as of {newest:%Y-%m-%d}); at most {max_days}",
            figures,
        )
    return "pass", f"the newest report is {age.days} days old; at most {max_days}", figures


def r22_weekly(params: dict[str, Any], f: Facts) -> Outcome:
    # Packs before 2026.12 counted a report of any type and no publication lag.
    lag = int(params.get("lag_days", 0))
    return _report_age(params, f, int(params["max_age_days"]) + lag, params.get("report_types"))


def r23_monthly(params: dict[str, Any], f: Facts) -> Outcome:
    return _report_age(params, f, int(params["max_age_days"]), params["report_types"])


def r24_attestation_fresh(params: dict[str, Any], f: Facts) -> Outcome:
    if params.get("applies_to") == "significant" and not f.licence.get("significant"):
        return "not_applicable", "the periodic audit applies to significant tokens only", {}
    interval = f.licence.get("attestation_interval_days") or params["interval_days"]
    if interval is None:
        return "not_evaluable", "the licence sets no attestation interval and the regime gives none", {}
    return _report_age(params, f, int(interval) + int(params["lag_days"]), params["report_types"])


def r25_opinion(params: dict[str, Any], f: Facts) -> Outcome:
    """The opinion (and, where the pack asks, the engagement) of the newest independent report.

    Packs of 2026.12 on name ``report_types``: the newest standing attestation or audit is judged
    (``inputs["latest_assurance"]``), not whatever report was filed last; a blank opinion fails
    (``missing: fail``); ``engagement_types`` and ``assurance_levels`` rule out agreed-upon
    procedures, reviews and limited assurance.
    """
    if "report_types" in params:
        report: Mapping[str, Any] | None = f.inputs.get("latest_assurance")
        if report is None:
            return "not_evaluable", "no independent attestation or audit has been filed", {}
    elif f.attestation is None:
        return "not_evaluable", "no submitted attestation", {}
    else:
        report = f.attestation
    opinion = report.get("opinion") or ""
    figures = {"opinion": opinion, "assurance_level": report.get("assurance_level") or ""}
    if "report_types" in params:
        figures |= {
            "report": f"{report.get('report_type')} as of {str(report.get('as_of'))[:10]} v{report.get('version')}",
            "engagement_type": report.get("engagement_type") or "",
        }
    problems = []
    if not opinion:
        if params.get("missing") != "fail":
            return "not_evaluable", "no opinion recorded", figures
        problems.append("no opinion recorded")
    elif opinion not in params["accepted"]:
        problems.append(f"{opinion} opinion")
    for key, label in (("engagement_type", "engagement_types"), ("assurance_level", "assurance_levels")):
        allowed = params.get(label)
        if allowed is not None and (report.get(key) or "") not in allowed:
            stated = str(report.get(key) or "").replace("_", " ") or "none stated"
            problems.append(f"{key.replace('_', ' ')} {stated}, not {' or '.join(allowed)}")
    if problems:
        return "fail", "; ".join(problems), figures
    return "pass", f"{opinion} opinion", figures


def r26_certification(params: dict[str, Any], f: Facts) -> Outcome:
    a = f.attestation
    if a is None:
        return "not_evaluable", "no submitted attestation", {}
    fields = ("ceo_name", "ceo_certified_at", "cfo_name", "cfo_certified_at")
    if not any(a.get(k) for k in fields):
        if params.get("missing") == "fail":
            return "fail", "no CEO or CFO certification recorded", dict.fromkeys(fields, "")
        return "not_evaluable", "no certification recorded", {}
    as_of = parse_time(a["as_of"])
    problems = [f"no {k}" for k in fields if not a.get(k)]
    certified = {"ceo": a.get("ceo_certified_at"), "cfo": a.get("cfo_certified_at")}
    problems += [
        f"{who} certified before the as-of date" for who, at in certified.items() if at and parse_time(at) < as_of
    ]
    figures = {k: a.get(k) or "" for k in fields}
    if problems:
        return "fail", "; ".join(problems), figures
    return "pass", "CEO and CFO certified after the as-of date", figures
