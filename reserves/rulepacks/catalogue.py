"""The readable rule catalogue: every profile's rules with severity, status, confidence and sources.

Each rule's citations (``cite``: source id and article) are the pack's own; docs/rules.md shows them
per parameter too, in the section ``reserves.rulepacks.citations.sources_markdown`` writes.

``manage.py rulepacks --json`` prints ``catalogue()``; ``--markdown`` prints ``catalogue_markdown()``,
which is the block at the end of docs/rules.md (a test keeps the two equal).
"""

from __future__ import annotations

from typing import Any

from reserves.rulepacks import FILES, rulepack_load

BEGIN, END = "<!-- rulepacks:begin (manage.py rulepacks --markdown) -->", "<!-- rulepacks:end -->"


def _order(rule_id: str) -> tuple[str, int]:
    letters = rule_id.rstrip("0123456789")
    return letters, int(rule_id[len(letters) :] or 0)


def catalogue() -> list[dict[str, Any]]:
    """Each profile ("" is the pack for a coin without a licence) with its rules in id order."""
    profiles = []
    for profile in FILES:
        pack = rulepack_load(profile)
        rules = [
            {
                "id": rule_id,
                "name": spec["name"],
                "severity": spec["severity"],
                "status": spec["status"],
                "confidence": spec["confidence"],
                "source": spec["source"],
                "cite": spec.get("cite", []),
                **({"unverified": spec["unverified"]} if spec.get("unverified") else {}),
            }
            for rule_id, spec in sorted(pack["rules"].items(), key=lambda item: _order(item[0]))
        ]
        profiles.append({"profile": profile, "name": pack["name"], "version": pack["version"], "rules": rules})
    return profiles


def catalogue_markdown() -> str:
    lines = [BEGIN, ""]
    for p in catalogue():
        lines += [f"### {p['profile'] or '(no licence)'}: {p['name']} (version {p['version']})", ""]
        lines += ["| rule | name | severity | status | confidence | source |", "|---|---|---|---|---|---|"]
        for r in p["rules"]:
            cells = [r["id"], r["name"], r["severity"], r["status"], r["confidence"], ", ".join(r["source"])]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"
