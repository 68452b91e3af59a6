"""Rule packs: one versioned YAML file per jurisdiction profile, loaded as plain data.

A pack is data, not code: each rule names its parameters, severity, sources, confidence tag and
status (docs/rules.md). A run copies the whole pack into its inputs, with its SHA-256, so the run
can be recomputed later from its own inputs even after the pack file has changed. No Django here.
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


class RulePackError(ValueError):
    """A pack file is malformed."""


def rulepack_sha256(pack: Mapping[str, Any]) -> str:
    """Digest of the pack's canonical JSON (sorted keys, no spaces): what a run records."""
    return hashlib.sha256(json.dumps(pack, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _validate(pack: dict[str, Any], name: str) -> None:
    for key in ("profile", "name", "version", "currency_mismatch", "outstanding_keeps", "haircuts", "rules"):
        if key not in pack:
            raise RulePackError(f"{name}: missing {key!r}")
    if pack["currency_mismatch"] not in ("approval", "forbidden"):
        raise RulePackError(f"{name}: currency_mismatch must be approval or forbidden")
    for rule_id, rule in pack["rules"].items():
        for key in ("name", "severity", "source", "confidence", "status", "params"):
            if key not in rule:
                raise RulePackError(f"{name}: rule {rule_id} has no {key!r}")
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
    # Kept as canonical JSON text so every caller gets a fresh copy it may not alter the cache through.
    return json.dumps(pack, sort_keys=True)


def rulepack_load(profile: str) -> RulePack:
    """The rule pack of a jurisdiction profile ("" for a coin without a licence), as plain JSON-able data."""
    # _validate checked the keys the type names when the file was first loaded.
    return cast("RulePack", json.loads(_load(profile)))
