"""Deploy our test contracts that reproduce the storage layouts of deployed stablecoins (chain/quirks.py).

Each helper returns the token address users hold (the proxy's, where there is one). The contracts
are ours (contracts/src), written from the published layouts and events: FiatLike (USDC behind
FiatTokenProxy), TetherLike (TetherToken), PaxosLike (USDP/PYUSD behind AdminUpgradeabilityProxy,
V2 with a separate SupplyControl), and AttestStablecoin behind UUPS, beacon and EIP-1822 proxies.
"""

from __future__ import annotations

from chain.rpc import RpcClient
from devtools.devchain import DEV_ACCOUNTS, deploy, encode_call, send

PROXY_ADMIN = DEV_ACCOUNTS[9]


def _data(signature: str, args: list[object]) -> bytes:
    return bytes.fromhex(encode_call(signature, args)[2:])


def deploy_fiat_like(rpc: RpcClient, *, owner: str, decimals: int = 6, admin: str = PROXY_ADMIN) -> str:
    """A FiatLikeV1 behind a ZosProxy (FiatTokenProxy's layout), initialised; ``owner`` holds every role."""
    implementation = deploy(rpc, "FiatLikeV1", [], [], sender=admin)
    proxy = deploy(rpc, "ZosProxy", ["address"], [implementation], sender=admin)
    signature = "initialize(string,string,string,uint8,address,address,address,address)"
    send(rpc, proxy, signature, ["USD Coin-like", "USDCL", "USD", decimals, owner, owner, owner, owner], sender=owner)
    return proxy


def upgrade_fiat_like_to_v2_2(
    rpc: RpcClient, proxy: str, *, blacklisted: list[str], rescuer: str, admin: str = PROXY_ADMIN
) -> str:
    """Upgrade to FiatLikeV2 (V2.2: blacklist packed into balances) and migrate; returns the implementation."""
    implementation = deploy(rpc, "FiatLikeV2", [], [], sender=admin)
    call = _data("initializeV2_2(address[],address)", [blacklisted, rescuer])
    send(rpc, proxy, "upgradeToAndCall(address,bytes)", [implementation, call], sender=admin)
    return implementation


def deploy_tether_like(rpc: RpcClient, *, owner: str, initial_supply: int, decimals: int = 6) -> str:
    types = ["uint256", "string", "string", "uint256"]
    return deploy(rpc, "TetherLike", types, [initial_supply, "Tether-like USD", "USDTL", decimals], sender=owner)


def deploy_paxos_like(rpc: RpcClient, *, owner: str, admin: str = PROXY_ADMIN) -> str:
    """A PaxosLikeV1 behind a ZosProxy (USDP/PYUSD's AdminUpgradeabilityProxy); ``owner`` is owner and
    supply controller."""
    implementation = deploy(rpc, "PaxosLikeV1", [], [], sender=admin)
    proxy = deploy(rpc, "ZosProxy", ["address"], [implementation], sender=admin)
    send(rpc, proxy, "initialize()", [], sender=owner)
    return proxy


def upgrade_paxos_like_to_v2(rpc: RpcClient, proxy: str, *, owner: str, admin: str = PROXY_ADMIN) -> str:
    """Upgrade to PaxosLikeV2 and give it a SupplyControlLike (itself UUPS, behind a UupsProxy);
    returns the SupplyControl's proxy address. ``owner`` may then mint up to 10**30 base units."""
    implementation = deploy(rpc, "PaxosLikeV2", [], [], sender=admin)
    send(rpc, proxy, "upgradeTo(address)", [implementation], sender=admin)
    control_logic = deploy(rpc, "SupplyControlLike", [], [], sender=owner)
    init = _data("initialize(address,address)", [owner, proxy])
    control = deploy(rpc, "UupsProxy", ["address", "bytes"], [control_logic, init], sender=owner)
    send(rpc, control, "setLimit(address,uint256,bool)", [owner, 10**30, True], sender=owner)
    send(rpc, proxy, "setSupplyControl(address)", [control], sender=owner)
    return control


def _stablecoin_init(owner: str, decimals: int) -> bytes:
    return _data("initialize(string,string,uint8,address)", ["Proxied USD", "PUSD", decimals, owner])


def deploy_uups_stablecoin(rpc: RpcClient, *, owner: str, decimals: int = 6) -> str:
    """An AttestStablecoin (UupsStablecoin) behind a bare EIP-1967 UupsProxy; ``owner`` may mint."""
    logic = deploy(rpc, "UupsStablecoin", [], [], sender=owner)
    proxy = deploy(rpc, "UupsProxy", ["address", "bytes"], [logic, _stablecoin_init(owner, decimals)], sender=owner)
    send(rpc, proxy, "configureMinter(address)", [owner], sender=owner)
    return proxy


def deploy_beacon_stablecoin(rpc: RpcClient, *, owner: str, decimals: int = 6) -> tuple[str, str]:
    """An AttestStablecoin behind an EIP-1967 BeaconProxyLike; returns (proxy, beacon)."""
    logic = deploy(rpc, "AttestStablecoin", [], [], sender=owner)
    beacon = deploy(rpc, "UpgradeableBeaconLike", ["address"], [logic], sender=owner)
    init = _stablecoin_init(owner, decimals)
    proxy = deploy(rpc, "BeaconProxyLike", ["address", "bytes"], [beacon, init], sender=owner)
    send(rpc, proxy, "configureMinter(address)", [owner], sender=owner)
    return proxy, beacon


def deploy_proxiable_stablecoin(rpc: RpcClient, *, owner: str, decimals: int = 6) -> str:
    """An AttestStablecoin (ProxiableStablecoin) behind an EIP-1822 ProxiableProxy; ``owner`` may mint."""
    logic = deploy(rpc, "ProxiableStablecoin", [], [], sender=owner)
    init = _stablecoin_init(owner, decimals)
    proxy = deploy(rpc, "ProxiableProxy", ["bytes", "address"], [init, logic], sender=owner)
    send(rpc, proxy, "configureMinter(address)", [owner], sender=owner)
    return proxy
