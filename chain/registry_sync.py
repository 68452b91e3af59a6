"""Loading a validated registry plan against the chains and into the database, and exporting it.

See chain/registry.py for the steps and docs/registry.md for the format.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction

from attest.models import Issuer, Licence, Stablecoin
from chain.models import Bucket, DeductionAddress, Deployment, DeploymentKind, Network, ProxyLayout
from chain.quirks import detect_proxies
from chain.registry import DECIMALS, DeductionSpec, DeploymentSpec, Plan, registry_validate
from chain.registry_file import RegistryError, dump
from chain.rpc import RpcClient, RpcError, hex_int


def _client(plan: Plan, name: str) -> tuple[RpcClient, int, int]:
    """An RPC client for the named network, its chain id and the line to blame."""
    for n in plan.networks:
        if n["name"] == name:
            urls = n["rpc_urls"] or [settings.CHAIN_RPC_URL]
            return RpcClient(urls, timeout=settings.CHAIN_RPC_TIMEOUT, retries=0), n["chain_id"], n["line"]
    network = Network.objects.get(name=name)
    return network.rpc(), network.chain_id, 1


def _check_proxies(rpc: RpcClient, specs: list[DeploymentSpec], plan: Plan, problems: list[tuple[int, str]]) -> None:
    """Find each deployment's proxy layout on chain; a stated kind that disagrees is an error."""
    found = detect_proxies(rpc, [s.address for s in specs])
    for spec in specs:
        proxy = found[spec.address]
        what = f"{spec.symbol} on {spec.network}: {spec.address}"
        if spec.kind_stated and spec.kind == DeploymentKind.PROXY and proxy is None:
            problems.append((spec.line, f"{what} is registered as a proxy but no known proxy slot is set"))
            continue
        if spec.kind_stated and spec.kind == DeploymentKind.NATIVE and proxy is not None:
            problems.append(
                (
                    spec.line,
                    f"{what} is registered as native but is a proxy ({ProxyLayout(proxy.layout).label}) "
                    f"(implementation {proxy.implementation}); say kind: proxy, or leave kind out",
                )
            )
            continue
        if not spec.kind_stated:
            spec.kind = DeploymentKind.PROXY if proxy is not None else DeploymentKind.NATIVE
        spec.proxy_layout = proxy.layout if proxy is not None else ""
        shape = (
            f"a proxy ({ProxyLayout(proxy.layout).label}), implementation {proxy.implementation}"
            + (f" (beacon {proxy.beacon})" if proxy.beacon else "")
            if proxy is not None
            else "not a proxy"
        )
        plan.found.append(f"{what}: {shape}; {spec.decimals} decimals; kind {spec.kind}")


def registry_check_chains(plan: Plan, *, source: str = "registry") -> None:
    """Each network serves its chain id; each deployment's decimals() matches (or fills in) the file;
    each deployment's proxy layout is found on chain and must agree with a stated kind."""
    problems: list[tuple[int, str]] = []
    by_network: dict[str, list[Any]] = defaultdict(list)
    for spec in plan.deployments:
        by_network[spec.network].append(spec)
    for name, specs in by_network.items():
        rpc, chain_id, line = _client(plan, name)
        calls: list[tuple[str, list[Any]]] = [("eth_chainId", [])]
        calls += [("eth_call", [{"to": s.address, "data": DECIMALS}, "latest"]) for s in specs]
        try:
            served, *decimals = rpc.batch_answers(calls)
            if isinstance(served, RpcError) or hex_int(served) != chain_id:
                problems.append((line, f"network {name}: {rpc.last_url} serves chain id {served}, not {chain_id}"))
                continue
        except RpcError as exc:
            problems.append((line, f"network {name}: cannot reach its RPC to check the registry ({exc})"))
            continue
        readable: list[DeploymentSpec] = []
        for spec, answer in zip(specs, decimals, strict=True):
            if isinstance(answer, RpcError) or not isinstance(answer, str) or len(answer) < 66:
                problems.append((spec.line, f"{spec.symbol} on {name}: {spec.address} has no decimals() ({answer})"))
                continue
            on_chain = int(answer[2:66], 16)
            if spec.decimals is None:
                spec.decimals = on_chain
            elif spec.decimals != on_chain:
                problems.append(
                    (
                        spec.line,
                        f"{spec.symbol} on {name}: the registry says {spec.decimals} decimals, "
                        f"the contract {spec.address} says {on_chain}",
                    )
                )
                continue
            readable.append(spec)
        try:
            _check_proxies(rpc, readable, plan, problems)
        except RpcError as exc:
            problems.append((line, f"network {name}: cannot read proxy slots to check the registry ({exc})"))
    if problems:
        raise RegistryError(problems, source=source)


def _deductions_wanted(plan: Plan) -> dict[tuple[str, str], list[DeductionSpec]]:
    """Deductions per (network, address), including the lock-boxes bridged deployments name on their source."""
    wanted: dict[tuple[str, str], list[DeductionSpec]] = {}
    for spec in plan.deployments:
        wanted[(spec.network, spec.address)] = list(spec.deductions)
    for spec in plan.deployments:
        if not spec.bridged_from:
            continue
        source = next(
            s
            for s in plan.deployments
            if s.symbol == spec.symbol and s.network == spec.bridged_from and s.kind != DeploymentKind.BRIDGED
        )
        boxes = wanted[(source.network, source.address)]
        if not any(d.bucket == Bucket.BRIDGE_LOCKBOX and d.address == spec.lockbox for d in boxes):
            note = f"lock-box backing the bridged deployment on {spec.network}"
            boxes.append(DeductionSpec(bucket=Bucket.BRIDGE_LOCKBOX, address=spec.lockbox, note=note))
    return wanted


@transaction.atomic
def registry_save(plan: Plan) -> dict[str, int]:
    """Upsert everything in the plan in one transaction; returns counts of what the file holds."""
    networks: dict[str, Network] = {n.name: n for n in Network.objects.all()}
    for n in plan.networks:
        networks[n["name"]], _ = Network.objects.update_or_create(
            name=n["name"],
            defaults={k: n[k] for k in ("chain_id", "rpc_urls", "finality", "confirmations", "cross_check")},
        )
    coins: dict[str, Stablecoin] = {}
    for c in plan.coins:
        issuer, _ = Issuer.objects.get_or_create(name=c["issuer"])
        coin, _ = Stablecoin.objects.update_or_create(
            symbol=c["symbol"],
            defaults={"issuer": issuer, **{k: c[k] for k in ("name", "currency", "par_value", "published")}},
        )
        coins[c["symbol"]] = coin
        for lic in c["licences"]:
            Licence.objects.update_or_create(
                stablecoin=coin,
                profile=lic["profile"],
                defaults={"licence_id": lic["licence_id"], "regulator": lic["regulator"]},
            )
    wanted = _deductions_wanted(plan)
    for spec in plan.deployments:
        network = networks[spec.network]
        existing = Deployment.objects.filter(network=network, address__iexact=spec.address).first()
        if existing is not None and existing.stablecoin_id != coins[spec.symbol].pk:
            raise RegistryError([(spec.line, f"{spec.address} on {spec.network} is another coin's deployment")])
        fields = {
            "stablecoin": coins[spec.symbol],
            "address": spec.address,
            "decimals": spec.decimals,
            "kind": spec.kind,
            "proxy_layout": spec.proxy_layout,
            "follow_successor": spec.follow_successor,
            "bridged_from": networks[spec.bridged_from] if spec.bridged_from else None,
            "lockbox_address": spec.lockbox,
            "evidence_kind": spec.evidence_kind,
            "evidence_url": spec.evidence_url,
            "evidence_date": spec.evidence_date,
        }
        if existing is None:
            deployment = Deployment.objects.create(network=network, **fields)
        else:
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.save(update_fields=list(fields))
            deployment = existing
        _sync_deductions(deployment, wanted[(spec.network, spec.address)])
    return {"networks": len(plan.networks), "stablecoins": len(plan.coins), "deployments": len(plan.deployments)}


def _sync_deductions(deployment: Deployment, specs: list[DeductionSpec]) -> None:
    keep = {(d.bucket, d.address.lower()) for d in specs}
    for row in deployment.deductions.all():
        if (row.bucket, row.address.lower()) not in keep:
            row.delete()
    for d in specs:
        DeductionAddress.objects.update_or_create(
            deployment=deployment,
            bucket=d.bucket,
            address=d.address,
            defaults={"note": d.note, "evidence": d.evidence},
        )


def registry_load(*, text: str, source: str = "registry", offline: bool = False) -> dict[str, Any]:
    """Validate, check against the chains (RPC, no transaction open), then save in one transaction.

    Returns the counts saved and, under ``found``, one line per deployment on what the chain check
    found (proxy layout and implementation, decimals, kind).
    """
    plan = registry_validate(text, source=source)
    if offline:
        missing = [
            (s.line, f"{s.symbol} on {s.network}: decimals are required offline")
            for s in plan.deployments
            if s.decimals is None
        ]
        if missing:
            raise RegistryError(missing, source=source)
    else:
        registry_check_chains(plan, source=source)
    return {**registry_save(plan), "found": plan.found}


def registry_data() -> dict[str, Any]:
    """Everything registered, in the registry file's structure."""
    networks = [
        {
            "name": n.name,
            "chain_id": n.chain_id,
            "rpc_urls": list(n.rpc_urls),
            **({} if n.uses_finalized_tag else {"finality": n.finality}),
            "confirmations": n.confirmations,
            **({} if n.cross_check else {"cross_check": False}),
        }
        for n in Network.objects.order_by("chain_id")
    ]
    coins = []
    deployments = Deployment.objects.select_related("network", "bridged_from").prefetch_related("deductions")
    by_coin: dict[int, list[Deployment]] = defaultdict(list)
    for d in deployments.order_by("network__chain_id", "address"):
        by_coin[d.stablecoin_id].append(d)
    for coin in Stablecoin.objects.select_related("issuer").prefetch_related("licences").order_by("symbol"):
        item: dict[str, Any] = {
            "symbol": coin.symbol,
            "name": coin.name,
            "issuer": coin.issuer.name,
            "currency": coin.currency,
            "par_value": str(coin.par_value.normalize()),
            "published": coin.published,
            "licences": [
                {
                    "profile": lic.profile,
                    "licence_id": lic.licence_id,
                    **({"regulator": lic.regulator} if lic.regulator else {}),
                }
                for lic in sorted(coin.licences.all(), key=lambda lic: lic.profile)
            ],
            "deployments": [_deployment_data(d) for d in by_coin.get(coin.pk, [])],
        }
        coins.append(item)
    return {"networks": networks, "stablecoins": coins}


def _deployment_data(d: Deployment) -> dict[str, Any]:
    item: dict[str, Any] = {"network": d.network.name, "address": d.address, "decimals": d.decimals, "kind": d.kind}
    if d.follow_successor:
        item["follow_successor"] = True
    if d.bridged_from is not None:
        item["bridged_from"] = {"network": d.bridged_from.name, "lockbox": d.lockbox_address}
    if d.evidence_kind and d.evidence_date is not None:
        item["evidence"] = {"kind": d.evidence_kind, "url": d.evidence_url, "date": d.evidence_date.isoformat()}
    item["deductions"] = [
        {"bucket": x.bucket, "address": x.address, "note": x.note, **({"evidence": x.evidence} if x.evidence else {})}
        for x in sorted(d.deductions.all(), key=lambda x: (x.bucket, x.address.lower()))
    ]
    return item


def registry_export(*, fmt: str = "yaml") -> str:
    return dump(registry_data(), fmt=fmt)


def registry_verify(*, deployments: list[Deployment]) -> list[str]:
    """Problems found checking these deployments against their chains (chain id, decimals); [] if none.

    Read-only, and meant to run outside any transaction (the admin calls it from an action).
    """
    plan = Plan(
        deployments=[
            DeploymentSpec(
                line=0,
                symbol=d.stablecoin.symbol,
                network=d.network.name,
                address=d.address,
                decimals=d.decimals,
                kind=d.kind,
                follow_successor=d.follow_successor,
            )
            for d in deployments
        ]
    )
    try:
        registry_check_chains(plan)
    except RegistryError as exc:
        return [message for _line, message in exc.problems]
    return []
