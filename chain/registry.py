"""The registry as code: networks, coins, deployments and deduction buckets loaded from one file.

``registry_load`` (chain/registry_sync.py) works in three steps, and saves nothing unless all of them pass:

1. **Validate** the whole file (types, choices, checksummed addresses, references between
   networks, coins and deployments), collecting every problem with its line.
2. **Check against the chains** (unless ``offline``): each network's RPC serves its chain id, and
   each deployment's ``decimals()`` equals the registered decimals (or fills them in when the file
   leaves them out). No transaction is open during these calls.
3. **Save** in one transaction with upserts on natural keys, so loading the same file twice
   changes nothing. For each deployment in the file its deduction addresses become exactly those
   listed (plus the bridge lock-boxes that bridged deployments name on it); deployments, coins and
   networks missing from the file are left alone (readings refer to them).

``registry_export`` writes the same format back out; export → load → export is a fixed point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from eth_utils.address import is_checksum_address, to_checksum_address

from attest.models import Profile
from chain.models import AddressEvidence, Bucket, DeploymentKind, Network
from chain.registry_file import Node, RegistryError, Seq, parse

DECIMALS = "0x313ce567"  # decimals()
NETWORK_KEYS = {"name", "chain_id", "rpc_urls", "finality", "confirmations", "cross_check"}
COIN_KEYS = {"symbol", "name", "issuer", "currency", "par_value", "published", "licences", "deployments"}
LICENCE_KEYS = {"profile", "licence_id", "regulator"}
DEPLOYMENT_KEYS = {
    "network",
    "address",
    "decimals",
    "kind",
    "follow_successor",
    "bridged_from",
    "deductions",
    "evidence",
}
EVIDENCE_KEYS = {"kind", "url", "date"}
DEDUCTION_KEYS = {"bucket", "address", "note", "evidence"}


@dataclass
class DeductionSpec:
    bucket: str
    address: str
    note: str
    evidence: str = ""


@dataclass
class DeploymentSpec:
    line: int
    symbol: str
    network: str
    address: str
    decimals: int | None
    kind: str
    follow_successor: bool
    kind_stated: bool = True  # False: the file leaves `kind` out, so the chain check decides it
    proxy_layout: str = ""  # found on chain by registry_check_chains (chain/quirks.py)
    bridged_from: str = ""
    lockbox: str = ""
    deductions: list[DeductionSpec] = field(default_factory=list)
    # Where the address is shown to be the coin's: the regulator's register or the issuer's announcement.
    evidence_kind: str = ""
    evidence_url: str = ""
    evidence_date: date | None = None


@dataclass
class Plan:
    networks: list[dict[str, Any]] = field(default_factory=list)
    coins: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[DeploymentSpec] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # what the chain check found, one line per deployment


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def keys(self, node: Any, allowed: set[str], what: str, line: int) -> bool:
        if not isinstance(node, Node):
            self.add(line, f"each {what} must be a mapping")
            return False
        for key in node.keys() - allowed:
            self.add(node.lines[key], f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
        return True


def _line(node: Node, key: str) -> int:
    return node.lines.get(key, node.line)


def _address(node: Node, key: str, problems: _Problems, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or len(value) != 42 or not value.startswith("0x"):
        problems.add(_line(node, key), f"{what}: {key} must be a 0x-prefixed 20-byte hex address, got {value!r}")
        return ""
    try:
        int(value, 16)
    except ValueError:
        problems.add(_line(node, key), f"{what}: {key} {value!r} is not hex")
        return ""
    # Mixed case claims an EIP-55 checksum; a wrong one means a typo somewhere in the address.
    if value[2:] != value[2:].lower() and value[2:] != value[2:].upper() and not is_checksum_address(value):
        problems.add(_line(node, key), f"{what}: {value} fails its EIP-55 checksum (a typo?)")
        return ""
    return str(to_checksum_address(value))


def _required_str(node: Node, key: str, problems: _Problems, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.add(_line(node, key), f"{what}: {key} is required and must be a string")
        return ""
    return value.strip()


def _int(node: Node, key: str, problems: _Problems, what: str, *, default: int | None = None) -> int | None:
    value = node.get(key, default)
    if value is None and default is None and key not in node:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.add(_line(node, key), f"{what}: {key} must be a whole number >= 0, got {value!r}")
        return None
    return value


def _bool(node: Node, key: str, problems: _Problems, what: str, *, default: bool = False) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        problems.add(_line(node, key), f"{what}: {key} must be true or false")
        return False
    return value


def _list(node: Node, key: str, problems: _Problems, what: str) -> Seq:
    value = node.get(key, Seq())
    if not isinstance(value, Seq):
        problems.add(_line(node, key), f"{what}: {key} must be a list")
        return Seq()
    return value


def _networks(doc: Node, problems: _Problems, plan: Plan) -> dict[str, int]:
    """The networks in the file and in the database, by name, with their chain ids."""
    known = dict(Network.objects.values_list("name", "chain_id"))
    registered = {chain_id: name for name, chain_id in known.items()}
    seen_ids: dict[int, str] = {}
    for item in _list(doc, "networks", problems, "registry"):
        if not problems.keys(item, NETWORK_KEYS, "network", getattr(item, "line", doc.line)):
            continue
        name = _required_str(item, "name", problems, "network")
        chain_id = _int(item, "chain_id", problems, f"network {name}")
        what = f"network {name}"
        if chain_id is None or chain_id == 0:
            problems.add(_line(item, "chain_id"), f"{what}: chain_id is required and must be positive")
            continue
        if chain_id in seen_ids:
            problems.add(_line(item, "chain_id"), f"{what}: chain id {chain_id} is also {seen_ids[chain_id]}")
        seen_ids[chain_id] = name
        if registered.get(chain_id, name) != name:
            problems.add(
                _line(item, "chain_id"), f"{what}: chain id {chain_id} is registered as {registered[chain_id]}"
            )
        urls = _list(item, "rpc_urls", problems, what)
        for url in urls:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                problems.add(_line(item, "rpc_urls"), f"{what}: RPC URL {url!r} is not http(s)")
        confirmations = _int(item, "confirmations", problems, what, default=settings.CHAIN_CONFIRMATIONS)
        finality = item.get("finality", "finalized")
        if finality not in ("finalized", "confirmations"):
            problems.add(_line(item, "finality"), f"{what}: finality must be finalized or confirmations")
        if name in {n["name"] for n in plan.networks}:
            problems.add(item.line, f"network {name!r} is listed twice")
        plan.networks.append(
            {
                "line": item.line,
                "name": name,
                "chain_id": chain_id,
                "rpc_urls": [str(u) for u in urls],
                "finality": str(finality),
                "confirmations": confirmations or 0,
                # On by default: it only acts on a network with two or more URLs (chain/crosscheck.py).
                "cross_check": _bool(item, "cross_check", problems, what, default=True),
            }
        )
        known[name] = chain_id
    return known


def _deductions(item: Node, problems: _Problems, what: str) -> list[DeductionSpec]:
    specs: list[DeductionSpec] = []
    for d in _list(item, "deductions", problems, what):
        if not problems.keys(d, DEDUCTION_KEYS, "deduction", item.line):
            continue
        bucket = d.get("bucket")
        if bucket not in Bucket.values:
            problems.add(_line(d, "bucket"), f"{what}: bucket {bucket!r} is not one of {', '.join(Bucket.values)}")
        address = _address(d, "address", problems, f"{what} deduction")
        note = _required_str(d, "note", problems, f"{what} deduction {bucket} (the reason it is not outstanding)")
        evidence = d.get("evidence", "")
        if not isinstance(evidence, str):
            problems.add(_line(d, "evidence"), f"{what}: evidence must be a string")
            evidence = ""
        specs.append(DeductionSpec(bucket=str(bucket), address=address, note=note, evidence=evidence))
    return specs


def _deployment(item: Node, symbol: str, networks: dict[str, int], problems: _Problems) -> DeploymentSpec | None:
    network = item.get("network")
    what = f"{symbol} on {network}"
    if network not in networks:
        problems.add(_line(item, "network"), f"{what}: unknown network {network!r}")
    address = _address(item, "address", problems, what)
    kind = item.get("kind", DeploymentKind.NATIVE.value)
    if kind not in DeploymentKind.values:
        problems.add(_line(item, "kind"), f"{what}: kind {kind!r} is not one of {', '.join(DeploymentKind.values)}")
    decimals = _int(item, "decimals", problems, what)
    if decimals is not None and decimals > 77:
        problems.add(_line(item, "decimals"), f"{what}: {decimals} decimals is not plausible")
    spec = DeploymentSpec(
        line=item.line,
        symbol=symbol,
        network=str(network),
        address=address,
        decimals=decimals,
        kind=str(kind),
        kind_stated="kind" in item,
        follow_successor=_bool(item, "follow_successor", problems, what),
        deductions=_deductions(item, problems, what),
    )
    _evidence(item, spec, problems, what)
    bridge = item.get("bridged_from")
    if (kind == DeploymentKind.BRIDGED) != (bridge is not None):
        problems.add(item.line, f"{what}: a bridged deployment (and only one) names `bridged_from`")
    elif isinstance(bridge, Node):
        problems.keys(bridge, {"network", "lockbox"}, "bridged_from", item.line)
        spec.bridged_from = str(bridge.get("network"))
        if spec.bridged_from not in networks or spec.bridged_from == spec.network:
            problems.add(_line(bridge, "network"), f"{what}: bridged from unknown network {spec.bridged_from!r}")
        spec.lockbox = _address(bridge, "lockbox", problems, f"{what} lock-box")
    elif bridge is not None:
        problems.add(_line(item, "bridged_from"), f"{what}: bridged_from must be {{network: …, lockbox: …}}")
    return spec


def _evidence(item: Node, spec: DeploymentSpec, problems: _Problems, what: str) -> None:
    evidence = item.get("evidence")
    if evidence is None:
        return
    if not problems.keys(evidence, EVIDENCE_KEYS, "evidence", _line(item, "evidence")):
        return
    kind, url, when = evidence.get("kind"), evidence.get("url"), evidence.get("date")
    if kind not in AddressEvidence.values:
        problems.add(
            _line(evidence, "kind"), f"{what}: evidence kind must be one of {', '.join(AddressEvidence.values)}"
        )
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        problems.add(_line(evidence, "url"), f"{what}: evidence url must be an http(s) URL, got {url!r}")
    if isinstance(when, str):
        try:
            when = date.fromisoformat(when)
        except ValueError:
            when = None
    if not isinstance(when, date):
        problems.add(_line(evidence, "date"), f"{what}: evidence date must be a date (YYYY-MM-DD)")
        return
    spec.evidence_kind, spec.evidence_url, spec.evidence_date = str(kind), str(url), when


def _coin(item: Node, problems: _Problems) -> dict[str, Any]:
    symbol = _required_str(item, "symbol", problems, "stablecoin")
    what = f"stablecoin {symbol}"
    coin: dict[str, Any] = {"line": item.line, "symbol": symbol}
    for key in ("name", "issuer", "currency"):
        coin[key] = _required_str(item, key, problems, what)
    par = item.get("par_value", "1")
    if isinstance(par, float):
        problems.add(_line(item, "par_value"), f'{what}: write par_value as a string ("1.00"), not a float')
        par = "1"
    try:
        coin["par_value"] = Decimal(str(par))
    except InvalidOperation:
        problems.add(_line(item, "par_value"), f"{what}: par_value {par!r} is not a decimal number")
    coin["published"] = _bool(item, "published", problems, what) if "published" in item else True
    coin["licences"] = []
    for lic in _list(item, "licences", problems, what):
        if not problems.keys(lic, LICENCE_KEYS, "licence", item.line):
            continue
        if lic.get("profile") not in Profile.values:
            problems.add(
                _line(lic, "profile"), f"{what}: profile {lic.get('profile')!r} is not one of {Profile.values}"
            )
        licence_id = _required_str(lic, "licence_id", problems, f"{what} licence")
        coin["licences"].append(
            {"profile": lic.get("profile"), "licence_id": licence_id, "regulator": str(lic.get("regulator", ""))}
        )
    return coin


def registry_validate(text: str, *, source: str = "registry") -> Plan:
    """The file as a plan to save, or RegistryError listing every problem with its line."""
    doc = parse(text, source=source)
    problems = _Problems()
    problems.keys(doc, {"networks", "stablecoins"}, "registry", doc.line)
    plan = Plan()
    networks = _networks(doc, problems, plan)
    for item in _list(doc, "stablecoins", problems, "registry"):
        if not problems.keys(item, COIN_KEYS, "stablecoin", getattr(item, "line", doc.line)):
            continue
        coin = _coin(item, problems)
        if coin["symbol"] in {c["symbol"] for c in plan.coins}:
            problems.add(item.line, f"stablecoin {coin['symbol']} is listed twice")
        plan.coins.append(coin)
        for dep in _list(item, "deployments", problems, f"stablecoin {coin['symbol']}"):
            if problems.keys(dep, DEPLOYMENT_KEYS, "deployment", item.line):
                spec = _deployment(dep, coin["symbol"], networks, problems)
                if spec is not None:
                    plan.deployments.append(spec)
    _check_references(plan, problems)
    if problems.items:
        raise RegistryError(problems.items, source=source)
    return plan


def _check_references(plan: Plan, problems: _Problems) -> None:
    seen: dict[tuple[str, str], DeploymentSpec] = {}
    for spec in plan.deployments:
        key = (spec.network, spec.address.lower())
        if key in seen:
            problems.add(spec.line, f"{spec.address} on {spec.network} is listed twice")
        seen[key] = spec
    for spec in plan.deployments:
        if spec.bridged_from and not any(
            s.symbol == spec.symbol and s.network == spec.bridged_from and s.kind != DeploymentKind.BRIDGED
            for s in plan.deployments
        ):
            problems.add(spec.line, f"{spec.symbol} is bridged from {spec.bridged_from} but not deployed there")
