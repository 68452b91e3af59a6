"""Rule packs: one versioned YAML file per jurisdiction profile, loaded as plain data.

A pack is data, not code: each rule names its parameters, severity, sources, confidence tag and
status, and cites where the law says so, for the rule and for each parameter (docs/rules.md, "Citing
a source"). The documents cited are listed once, in ``sources.yaml``; a loaded pack carries the
entries it cites under ``sources``. A run copies the whole pack into its inputs, with its SHA-256,
so the run is recomputed later under the pack it used, even after the pack file has changed (old
packs' rules keep their old meaning: a changed reading of the law is a new parameter, not a new
meaning of an old one). No Django here.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

if TYPE_CHECKING:
    # Only for the type: reserves.runtypes pulls in chain.models, and this module stays free of Django.
    from reserves.runtypes import RulePack

HERE = Path(__file__).resolve().parent
FILES = {
    "HK": "hk.yaml",
    "US_GENIUS": "us_genius.yaml",
    "US_NYDFS": "us_nydfs.yaml",
    "EU_MICA": "eu_mica.yaml",
    "SG_MAS": "sg_mas.yaml",
    "": "none.yaml",
}
SEVERITIES = ("critical", "high", "medium", "low")
CONFIDENCE = ("P", "Q", "S+", "S", "U")
STATUSES = ("in_force", "proposed", "draft")
SOURCES_FILE = "sources.yaml"


class RulePackError(ValueError):
    """A pack file is malformed."""


def rulepack_sha256(pack: Mapping[str, Any]) -> str:
    """Digest of the pack's canonical JSON (sorted keys, no spaces): what a run records."""
    return hashlib.sha256(json.dumps(pack, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@functools.cache
def _sources() -> dict[str, Any]:
    sources: dict[str, Any] = yaml.safe_load((HERE / SOURCES_FILE).read_text())
    for ref, entry in sources.items():
        for key in ("document", "url", "confidence"):
            if key not in entry:
                raise RulePackError(f"{SOURCES_FILE}: {ref} has no {key!r}")
    return sources


def _validate_cite(cite: Any, where: str, name: str) -> None:
    if not isinstance(cite, dict) or not cite.get("ref") or not cite.get("at"):
        raise RulePackError(f"{name}: {where} must cite {{ref, at}}")
    if cite["ref"] not in _sources():
        raise RulePackError(f"{name}: {where} cites {cite['ref']!r}, which {SOURCES_FILE} does not list")
    if "unverified" in cite and not cite["unverified"]:
        raise RulePackError(f"{name}: {where} is unverified without saying why")


def _validate(pack: dict[str, Any], name: str) -> None:
    for key in ("profile", "name", "version", "currency_mismatch", "outstanding_keeps", "haircuts", "rules"):
        if key not in pack:
            raise RulePackError(f"{name}: missing {key!r}")
    if pack["currency_mismatch"] not in ("approval", "forbidden"):
        raise RulePackError(f"{name}: currency_mismatch must be approval or forbidden")
    for rule_id, rule in pack["rules"].items():
        for key in ("name", "severity", "source", "confidence", "status", "params", "cite", "param_cite"):
            if key not in rule:
                raise RulePackError(f"{name}: rule {rule_id} has no {key!r}")
        if not rule["cite"]:
            raise RulePackError(f"{name}: rule {rule_id} cites no source")
        for cite in rule["cite"]:
            _validate_cite(cite, f"rule {rule_id}", name)
        # Every parameter names its source, and only parameters are cited.
        if set(rule["param_cite"]) != set(rule["params"]):
            raise RulePackError(f"{name}: rule {rule_id} param_cite must cite exactly its params")
        for param, cite in rule["param_cite"].items():
            _validate_cite(cite, f"rule {rule_id} parameter {param}", name)
        if "unverified" in rule and not rule["unverified"]:
            raise RulePackError(f"{name}: rule {rule_id} is unverified without saying why")
        if rule["severity"] not in SEVERITIES:
            raise RulePackError(f"{name}: rule {rule_id} severity {rule['severity']!r}")
        if rule["confidence"] not in CONFIDENCE:
            raise RulePackError(f"{name}: rule {rule_id} confidence {rule['confidence']!r}")
        if rule["status"] not in STATUSES:
            raise RulePackError(f"{name}: rule {rule_id} status {rule['status']!r}")


@functools.cache
def _load(profile: str) -> str:
    try:
        name = FILES[profile]
    except KeyError:
        raise RulePackError(f"no rule pack for profile {profile!r}") from None
    pack = yaml.safe_load((HERE / name).read_text())
    _validate(pack, name)
    if pack["profile"] != profile:
        raise RulePackError(f"{name} declares profile {pack['profile']!r}, expected {profile!r}")
    # The pack carries the documents it cites, so a run's copy of it names them without this file.
    cited = {c["ref"] for r in pack["rules"].values() for c in [*r["cite"], *r["param_cite"].values()]}
    pack["sources"] = {ref: _sources()[ref] for ref in sorted(cited)}
    # Kept as canonical JSON text so every caller gets a fresh copy it may not alter the cache through.
    return json.dumps(pack, sort_keys=True)


def rulepack_load(profile: str) -> RulePack:
    """The rule pack of a jurisdiction profile ("" for a coin without a licence), as plain JSON-able data."""
    # _validate checked the keys the type names when the file was first loaded.
    return cast("RulePack", json.loads(_load(profile)))
