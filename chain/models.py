"""Networks, deployments of stablecoins on them, deduction addresses, and pinned supply readings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from attest.fields import ExactDecimalField, UInt256Field
from attest.models import Stablecoin
from chain.fields import HashField
from chain.rpc import RpcClient

address_validator = RegexValidator(r"^0x[0-9a-fA-F]{40}$", "a 0x-prefixed 20-byte hex address")


class Finality(models.TextChoices):
    """Which block a network's reads pin, and the reorg check treats as settled (docs/chain-ledger.md)."""

    FINALIZED = "finalized", "The node's finalized block (head - confirmations where the node has none)"
    CONFIRMATIONS = "confirmations", "head - confirmations"


class Network(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    chain_id = models.PositiveBigIntegerField(unique=True)
    rpc_urls = models.JSONField(default=list, blank=True, help_text="tried in order; empty means CHAIN_RPC_URL")
    finality = models.CharField(max_length=16, choices=Finality.choices, default=Finality.FINALIZED)
    confirmations = models.PositiveIntegerField(
        default=64, help_text="blocks behind head treated as final where the node has no finalized block (or always)"
    )
    cross_check = models.BooleanField(
        default=True,
        help_text="with two or more RPC URLs: re-read the pinned block hash and every value from another URL; "
        "refuse on any difference, or when no other URL answers (docs/chain.md)",
    )
    # Health of the latest reads, written by chain.health; the figures above say "degraded" while
    # consecutive_failures > 0, so a failed read never passes old data off as current.
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["chain_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.chain_id})"

    def rpc(self) -> RpcClient:
        urls = list(self.rpc_urls) or [settings.CHAIN_RPC_URL]
        return RpcClient(urls, timeout=settings.CHAIN_RPC_TIMEOUT, retries=settings.CHAIN_RPC_RETRIES)

    @property
    def uses_finalized_tag(self) -> bool:
        return self.finality == Finality.FINALIZED


class DeploymentKind(models.TextChoices):
    NATIVE = "native", "Native"
    BRIDGED = "bridged", "Bridged from another network"
    PROXY = "proxy", "Behind a proxy"


class ProxyLayout(models.TextChoices):
    """Where a proxy keeps its implementation (chain/quirks.py); found by ``loadregistry`` on its own."""

    NONE = "", "Not a proxy"
    EIP1967 = "eip1967", "EIP-1967 implementation slot (transparent or UUPS)"
    EIP1967_BEACON = "eip1967_beacon", "EIP-1967 beacon slot (the beacon names the implementation)"
    EIP1822 = "eip1822", "EIP-1822 PROXIABLE slot"
    ZEPPELINOS = "zeppelinos", "OpenZeppelin 2.x / zos slot (USDC FiatTokenProxy, Paxos AdminUpgradeabilityProxy)"


class AddressEvidence(models.TextChoices):
    """Where a deployment's address is shown to be the coin's own: fake tokens borrow licensees' names."""

    REGULATOR_REGISTER = "regulator_register", "Regulator's register entry"
    ISSUER_ANNOUNCEMENT = "issuer_announcement", "Issuer's announcement"


class Deployment(models.Model):
    """One contract of a stablecoin on one network."""

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="deployments")
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="deployments")
    address = models.CharField(max_length=42, validators=[address_validator])
    decimals = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=DeploymentKind.choices, default=DeploymentKind.NATIVE)
    # A bridged deployment's tokens are backed by tokens locked on the source network; the lock-box
    # balance is deducted there (a bridge_lockbox deduction on the source deployment) so they count once.
    bridged_from = models.ForeignKey(
        Network, on_delete=models.PROTECT, null=True, blank=True, related_name="bridged_deployments"
    )
    lockbox_address = models.CharField(max_length=42, blank=True, validators=[address_validator])
    follow_successor = models.BooleanField(
        default=False,
        help_text="Tether-like: check deprecated()/upgradedAddress() at the pinned block and read the successor",
    )
    proxy_layout = models.CharField(
        max_length=16,
        choices=ProxyLayout.choices,
        blank=True,
        default=ProxyLayout.NONE,
        help_text="where the proxy keeps its implementation, as loadregistry found it",
    )

    # The evidence that this address is the coin's (shown on the public page): all three or none.
    evidence_kind = models.CharField(max_length=24, choices=AddressEvidence.choices, blank=True)
    evidence_url = models.URLField(max_length=500, blank=True, help_text="the register entry or the announcement")
    evidence_date = models.DateField(null=True, blank=True, help_text="its date (of the entry or the announcement)")

    class Meta:
        ordering = ["stablecoin__symbol", "network__chain_id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "address"], name="one_deployment_per_address"),
            models.CheckConstraint(
                condition=(models.Q(evidence_kind="") & models.Q(evidence_url="") & models.Q(evidence_date=None))
                | (~models.Q(evidence_kind="") & ~models.Q(evidence_url="") & ~models.Q(evidence_date=None)),
                name="deployment_evidence_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stablecoin_id and self.stablecoin} on {self.network.name} at {self.address}"

    @property
    def evidenced(self) -> bool:
        return bool(self.evidence_kind)


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
    evidence = models.CharField(max_length=500, blank=True, help_text="where the reason can be checked (URL, document)")

    class Meta:
        ordering = ["bucket", "address"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "bucket", "address"], name="one_deduction_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.address}"


class ReadingStatus(models.TextChoices):
    """Where a reading stands against reorgs (docs/chain-ledger.md, "How are reorgs handled?")."""

    PROVISIONAL = "provisional", "Provisional: block hash not yet re-checked at confirmation depth"
    CONFIRMED = "confirmed", "Confirmed: hash re-checked while at least `confirmations` deep"
    ORPHANED = "orphaned", "Orphaned: its block left the canonical chain; never published"


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
    # The other URL that read the same block hash and values; empty: single source, not cross-checked.
    checked_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=ReadingStatus.choices, default=ReadingStatus.PROVISIONAL)
    # The contract whose code answered at that block: the implementation behind a proxy, else the
    # contract read itself. An upgrade shows here and changes nothing in the figures.
    implementation = models.CharField(max_length=42, blank=True)

    class Meta:
        ordering = ["-block_number"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "block_hash"], name="one_reading_per_block"),
        ]
        indexes = [models.Index(fields=["deployment", "-block_number"])]

    def __str__(self) -> str:
        return f"{self.deployment_id} @ {self.chain_id}:{self.block_number}"


class ReadingSource(models.Model):
    """Which contract a reading's figures actually came from, when that is not the registered address.

    A deprecated Tether-like token forwards to its successor: the reading records the successor it
    read at the pinned block. A proxy's reading records the implementation behind it at that block.
    """

    reading = models.OneToOneField(SupplyReading, on_delete=models.CASCADE, primary_key=True, related_name="source")
    address_read = models.CharField(max_length=42)
    implementation = models.CharField(max_length=42, blank=True)

    def __str__(self) -> str:
        return f"{self.reading_id} read at {self.address_read}"


class BlockHeader(models.Model):
    """Finalised block headers seen by block-at-time searches, shared by every worker on every host.

    A cached header is only a hint: the search checks the hash of the block it answers with against
    the node, and drops the chain's cache on a mismatch (a reorg, or a development chain restarted).
    """

    chain_id = models.PositiveBigIntegerField()
    number = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=66)
    timestamp = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain_id", "number"], name="one_header_per_height")]
        indexes = [models.Index(fields=["chain_id", "timestamp"])]

    def __str__(self) -> str:
        return f"{self.chain_id}:{self.number}"


class LedgerEvent(models.TextChoices):
    TRANSFER_MINT = "transfer_mint", "Transfer from 0x0"
    TRANSFER_BURN = "transfer_burn", "Transfer to 0x0"
    MINT = "mint", "Mint"
    BURN = "burn", "Burn"
    ISSUE = "issue", "Issue"
    REDEEM = "redeem", "Redeem"
    DESTROYED_BLACK_FUNDS = "destroyed_black_funds", "DestroyedBlackFunds"
    SUPPLY_INCREASED = "supply_increased", "SupplyIncreased"
    SUPPLY_DECREASED = "supply_decreased", "SupplyDecreased"
    # Tether-like deprecate(successor): from this block on the successor's events are the ledger's,
    # and the row's amount is the step between the two contracts' supplies (chain/ledger/successor.py).
    SWITCH_TO_SUCCESSOR = "switch_to_successor", "Switch to the successor contract"


class LedgerEntry(models.Model):
    """One supply-changing log of a deployment: the mint/burn ledger (docs/chain-ledger.md).

    Every supply event is stored, but only ``counted`` ones enter the sums: in a transaction that
    emits ``Transfer`` from or to 0x0 those Transfers are the supply change, and the issuer event
    beside them (``Mint``, ``Burn``, ...) is kept as evidence without being counted a second time.
    Rows are provisional until the reorg check has seen their block hash at confirmation depth;
    rows of an orphaned block are deleted and the cursor rewound, so the range is indexed again.
    """

    # No index of its own: the unique constraint below leads with deployment and serves its lookups,
    # and every index is paid on each row the indexer copies in (docs/benchmarks-ledger.md). No
    # foreign-key constraint either: triggers check the reference once per statement, not once per
    # row (chain/ledger/reference.py).
    deployment = models.ForeignKey(
        Deployment, on_delete=models.PROTECT, related_name="ledger", db_index=False, db_constraint=False
    )
    chain_id = models.PositiveBigIntegerField()
    block_number = models.PositiveBigIntegerField()
    block_hash = HashField()
    tx_hash = HashField()
    log_index = models.PositiveIntegerField()
    event = models.CharField(max_length=24, choices=LedgerEvent.choices)
    account = models.CharField(max_length=42, blank=True, help_text="receiver of a mint, holder of a burn")
    amount = UInt256Field()
    direction = models.SmallIntegerField(help_text="+1 adds to supply, -1 removes from it")
    counted = models.BooleanField(help_text="false for an issuer event whose Transfer to/from 0x0 is counted")
    confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["block_number", "log_index"]
        constraints = [
            # A log is (block hash, log index); a log has one emitter, so one deployment. Leading with
            # (deployment, block_number) lets this one index also serve the range scans and deletes:
            # one index less to maintain on the insert path (docs/benchmarks-ledger.md).
            models.UniqueConstraint(
                fields=["deployment", "block_number", "block_hash", "log_index"], name="one_ledger_entry_per_log"
            ),
            models.CheckConstraint(condition=models.Q(direction__in=[1, -1]), name="ledger_direction_is_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.direction * int(self.amount)} @ {self.chain_id}:{self.block_number}"

    @property
    def delta(self) -> int:
        return self.direction * int(self.amount)


class LedgerCursor(models.Model):
    """How far the ledger of one deployment is indexed: every block up to ``block_number`` inclusive.

    ``block_hash`` is that block's hash when it was indexed; if it is no longer canonical the reorg
    check rewinds the cursor, to ``final_block`` at the lowest. ``start_block`` is where indexing
    begins (0 unless set, e.g. to the block the contract was deployed in, which spares a long scan
    on a real chain).
    """

    deployment = models.OneToOneField(Deployment, on_delete=models.CASCADE, related_name="ledger_cursor")
    start_block = models.PositiveBigIntegerField(default=0)
    block_number = models.BigIntegerField(default=-1, help_text="last indexed block; -1 before the first run")
    block_hash = models.CharField(max_length=66, blank=True)
    # The newest block of the indexed range the reorg check found canonical at confirmation depth:
    # treated as final, so a reorg never rewinds the ledger below it.
    final_block = models.BigIntegerField(default=-1)
    final_hash = models.CharField(max_length=66, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.deployment_id} ledger through {self.block_number}"


class LedgerCheck(models.Model):
    """Σ counted ledger entries between two consecutive confirmed readings against their totalSupply change.

    A check that does not match is a finding: supply changed without the events that should
    reveal it (or the other way round). ``chain.ledger.checks.ledger_findings_open`` lists them for
    reconciliation. Deltas are signed integers in raw base units.
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="ledger_checks")
    reading_from = models.ForeignKey(SupplyReading, on_delete=models.CASCADE, related_name="+")
    reading_to = models.ForeignKey(SupplyReading, on_delete=models.CASCADE, related_name="+")
    expected_delta = ExactDecimalField(max_digits=79, decimal_places=0, help_text="totalSupply(to) - totalSupply(from)")
    ledger_delta = ExactDecimalField(max_digits=79, decimal_places=0, help_text="Σ counted ledger entries")
    entries = models.PositiveIntegerField(help_text="counted ledger entries in the range")
    matched = models.BooleanField()
    checked_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-checked_at"]
        constraints = [
            models.UniqueConstraint(fields=["reading_from", "reading_to"], name="one_ledger_check_per_pair"),
        ]

    def __str__(self) -> str:
        outcome = "matches" if self.matched else f"MISMATCH {self.ledger_delta} vs {self.expected_delta}"
        return f"ledger of {self.deployment_id} {outcome}"
