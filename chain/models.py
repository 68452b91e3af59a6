"""Networks, deployments of stablecoins on them, deduction addresses, and pinned supply readings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from attest.fields import UInt256Field
from attest.models import Stablecoin
from chain.rpc import RpcClient

address_validator = RegexValidator(r"^0x[0-9a-fA-F]{40}$", "a 0x-prefixed 20-byte hex address")


class Network(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    chain_id = models.PositiveBigIntegerField(unique=True)
    rpc_urls = models.JSONField(default=list, blank=True, help_text="tried in order; empty means CHAIN_RPC_URL")
    confirmations = models.PositiveIntegerField(default=2, help_text="blocks behind head before a block is read")

    class Meta:
        ordering = ["chain_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.chain_id})"

    def rpc(self) -> RpcClient:
        urls = list(self.rpc_urls) or [settings.CHAIN_RPC_URL]
        return RpcClient(urls, timeout=settings.CHAIN_RPC_TIMEOUT, retries=settings.CHAIN_RPC_RETRIES)


class DeploymentKind(models.TextChoices):
    NATIVE = "native", "Native"
    BRIDGED = "bridged", "Bridged from another network"
    PROXY = "proxy", "Behind a proxy"


class Deployment(models.Model):
    """One contract of a stablecoin on one network."""

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="deployments")
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="deployments")
    address = models.CharField(max_length=42, validators=[address_validator])
    decimals = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=DeploymentKind.choices, default=DeploymentKind.NATIVE)

    class Meta:
        ordering = ["stablecoin__symbol", "network__chain_id"]
        constraints = [models.UniqueConstraint(fields=["network", "address"], name="one_deployment_per_address")]

    def __str__(self) -> str:
        return f"{self.stablecoin_id and self.stablecoin} on {self.network.name} at {self.address}"


class Bucket(models.TextChoices):
    """Tokens that exist on chain but are not outstanding (regulation.md §5.3)."""

    TREASURY = "treasury", "Treasury / authorised but not issued"
    FROZEN = "frozen", "Frozen / blacklisted"
    TIME_LOCKED = "time_locked", "Time-locked"
    TEST = "test", "Test tokens"
    PENDING_BURN = "pending_burn", "Pending burn"
    BRIDGE_LOCKBOX = "bridge_lockbox", "Bridge lock-box"


class DeductionAddress(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="deductions")
    bucket = models.CharField(max_length=16, choices=Bucket.choices)
    address = models.CharField(max_length=42, validators=[address_validator])
    note = models.CharField(max_length=300, blank=True, help_text="why these tokens are not outstanding")

    class Meta:
        ordering = ["bucket", "address"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "bucket", "address"], name="one_deduction_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.address}"


class SupplyReading(models.Model):
    """``totalSupply()`` and each deduction balance of one deployment at one pinned block.

    A reading without its block hash must not exist: the hash is what proves which chain
    history the figures came from, and what a reorg check compares.
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="readings")
    chain_id = models.PositiveBigIntegerField()
    block_number = models.PositiveBigIntegerField()
    block_hash = models.CharField(max_length=66)
    block_time = models.DateTimeField()
    total_supply = UInt256Field()
    # [{"bucket": ..., "address": ..., "raw": "<decimal string>"}]: strings, so no JSON float ever holds a balance.
    balances = models.JSONField(default=list)
    read_at = models.DateTimeField()
    rpc_url = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-block_number"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "block_hash"], name="one_reading_per_block"),
        ]
        indexes = [models.Index(fields=["deployment", "-block_number"])]

    def __str__(self) -> str:
        return f"{self.deployment_id} @ {self.chain_id}:{self.block_number}"

    def deducted(self, *, keep: frozenset[str] = frozenset()) -> int:
        """Raw tokens in deduction buckets, leaving out the buckets in ``keep`` (counted as outstanding)."""
        return sum(int(b["raw"]) for b in self.balances if b["bucket"] not in keep)

    def outstanding_raw(self, *, keep: frozenset[str] = frozenset()) -> int:
        return int(self.total_supply) - self.deducted(keep=keep)
