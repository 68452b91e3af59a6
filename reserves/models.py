"""Reconciliation runs (immutable evaluations) and the flags they raise."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from attest.fields import ExactDecimalField, UInt256Field
from attest.models import Attestation, Stablecoin
from reserves.compute import ratio_cut
from reserves.verdict import LABELS, ORDER


def _amount() -> ExactDecimalField:
    """An amount in tokens or in the reference currency, exact at any size: 2**256-1 base units at any
    decimals, times a par value, has no fixed width (``numeric`` on PostgreSQL, text on SQLite)."""
    return ExactDecimalField(null=True, blank=True)


class Trigger(models.TextChoices):
    ATTESTATION = "attestation", "New attestation"
    SUPPLY = "supply", "New supply reading"
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Manual"
    REPORT = "report", "Redemptions or a custodian confirmation reported"


class RunStatus(models.TextChoices):
    BACKED = "backed", "Fully backed"
    UNDER = "under_collateralised", "Under-collateralised"
    NO_ATTESTATION = "no_attestation", "No attestation"
    NO_SUPPLY = "no_supply", "No supply reading"
    RESERVES_UNVERIFIED = "reserves_unverified", "Reserves not verified"


class ReconciliationRun(models.Model):
    """One evaluation of one coin at one instant under one profile. Never changed after it is written.

    ``inputs`` holds everything the figures were computed from (attestation version and holdings,
    readings with their blocks, rule-pack version); ``input_hash`` is its digest, so the same
    inputs never make a second run.
    """

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="runs")
    attestation = models.ForeignKey(Attestation, on_delete=models.PROTECT, null=True, blank=True, related_name="runs")
    profile = models.CharField(max_length=16, blank=True)
    rulepack_version = models.CharField(max_length=32)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    inputs = models.JSONField()
    input_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=24, choices=RunStatus.choices)
    outstanding = _amount()
    par_outstanding = _amount()
    reserves = _amount()
    # Cut to 12 places by reserves.compute; unbounded above (10**18 of reserves over one base unit).
    ratio = ExactDecimalField(null=True, blank=True)
    headroom = _amount()
    results = models.JSONField(default=list)
    # Everything compute(inputs) returned; recomputing from ``inputs`` must give exactly this.
    outputs = models.JSONField(default=dict)
    evaluated_at = models.DateTimeField(null=True, blank=True, help_text="the evaluation instant (bucketed)")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["stablecoin", "profile", "input_hash"], name="one_run_per_input"),
        ]
        indexes = [models.Index(fields=["stablecoin", "-created_at"])]

    def __str__(self) -> str:
        return f"run {self.pk} {self.stablecoin_id} {self.status}"

    @property
    def ratio_display(self) -> str | None:
        """The ratio cut (never rounded up) to 4 places, as shown to people: 0.99999 shows 0.9999."""
        return None if self.ratio is None else ratio_cut(Decimal(self.ratio))


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Flag(models.Model):
    """An open finding of a rule about a coin. At most one unresolved flag per (coin, rule, profile)."""

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(max_length=32)
    profile = models.CharField(max_length=16, blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    message = models.TextField()
    opened_at = models.DateTimeField()
    opened_by_run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stablecoin", "rule", "profile"],
                condition=~models.Q(status="resolved"),
                name="one_unresolved_flag_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stablecoin_id} {self.rule} {self.status}"


class FlagEvent(models.Model):
    """The history of a flag: every change of state, who made it and why."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.flag_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class EndpointKind(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    EMAIL = "email", "Email"


class NotificationEndpoint(models.Model):
    """Where flag notifications go: a signed webhook or an email address, optionally for one coin or profile."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=EndpointKind.choices)
    url = models.URLField(max_length=500, blank=True, help_text="webhook: the receiver's URL")
    email = models.EmailField(blank=True, help_text="email: the recipient")
    secret = models.CharField(max_length=128, blank=True, help_text="webhook: HMAC-SHA256 key for X-Attest-Signature")
    stablecoin = models.ForeignKey(
        Stablecoin, on_delete=models.CASCADE, null=True, blank=True, help_text="blank: every coin"
    )
    profile = models.CharField(max_length=16, blank=True, help_text="blank: every licence profile")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="webhook") & ~models.Q(url="") & ~models.Q(secret=""))
                | (models.Q(kind="email") & ~models.Q(email="")),
                name="endpoint_has_its_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class NotificationDelivery(models.Model):
    """One notification to one endpoint and every attempt to deliver it (the delivery log)."""

    endpoint = models.ForeignKey(NotificationEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    event = models.CharField(max_length=32, help_text="flag.opened, flag.resolved or ping")
    body = models.TextField(help_text="the exact JSON body sent (and signed)")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "notification deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id}: {self.status}"


class Publication(models.Model):
    """What Attest told the world about one coin under one licence, from one evaluation. Never changed.

    Written after every reconciliation of the coin's current state (and after a failed one) whenever
    what it says differs from the licence's previous publication, so the history holds exactly what
    was shown and when. ``figures`` are compute()'s amounts as exact decimal strings; ``blocks`` the
    pinned blocks they stand on; ``findings`` the coin's unresolved flags under this licence at the
    time; ``reasons`` why the verdict is not "backed".
    """

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="publications")
    profile = models.CharField(max_length=16, blank=True)
    licence_id = models.CharField(max_length=100, blank=True)
    regulator = models.CharField(max_length=100, blank=True)
    run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The run's identity, copied so a page of publications never loads the runs' (large) inputs.
    rulepack_version = models.CharField(max_length=32, blank=True)
    input_hash = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField()
    evaluated_at = models.DateTimeField()
    verdict = models.CharField(max_length=24, choices=[(v, LABELS[v]) for v in ORDER])  # reserves/verdict.py
    reasons = models.JSONField(default=list)  # [{"code": ..., "text": ...}], worst first
    error = models.TextField(blank=True, help_text="why the reconciliation failed, when it did")
    figures = models.JSONField(default=dict)
    # What ``figures`` stand on: "as_of" (both sides pinned to the attestation's as-of instant),
    # "latest_no_block_at_as_of", "latest_as_of_unread" (its as-of read missing: not yet done, or the node
    # could not serve it) or "latest" (no attestation to pin to); reserves/verdict.BASIS_LABELS.
    readings_basis = models.CharField(max_length=32, blank=True)
    blocks = models.JSONField(default=list)
    # The current indicative headroom: latest supply against the last attested reserves, with its run,
    # figures and blocks; {} when there is none. Never the verdict (reserves/publish.indicative_of).
    indicative = models.JSONField(default=dict)
    read_at = models.DateTimeField(null=True, blank=True, help_text="least recent latest read of the coin's chain data")
    freshness = models.CharField(max_length=12)
    freshness_reason = models.CharField(max_length=300, blank=True)
    single_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="networks whose figures one RPC URL alone vouches for; empty: all cross-checked",
    )
    attestation = models.ForeignKey(
        Attestation, on_delete=models.PROTECT, null=True, blank=True, related_name="publications"
    )
    attestation_version = models.PositiveIntegerField(null=True, blank=True)
    attestation_as_of = models.DateTimeField(null=True, blank=True)
    attestation_status = models.CharField(max_length=24, blank=True)
    results = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    # This publication as a point of the coin's history, as the API serves it (reserves/documents.py).
    point = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["stablecoin", "published_at"])]

    def __str__(self) -> str:
        return f"publication {self.pk} {self.stablecoin_id} {self.profile or '-'} {self.verdict}"


class PublicationHead(models.Model):
    """The current publication of each (coin, licence profile): one row each, moved on every publication."""

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.CASCADE, related_name="publication_heads")
    profile = models.CharField(max_length=16, blank=True)
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stablecoin", "profile"], name="one_head_per_licence")]

    def __str__(self) -> str:
        return f"{self.stablecoin_id} {self.profile or '-'} -> {self.publication_id}"


class CoinDocument(models.Model):
    """A coin's public API answer, prepared from its current publications (reserves/documents.py).

    Derived data, rebuilt whenever the coin is published or reconciled: never the source of a figure.
    ``body_fresh`` and ``body_stale`` are the answer's JSON members as they read while the chain data
    is fresh, and once it is older than CHAIN_STALE_AFTER.
    """

    stablecoin = models.OneToOneField(Stablecoin, on_delete=models.CASCADE, primary_key=True, related_name="document")
    body_fresh = models.TextField()
    body_stale = models.TextField()
    read_at = models.DateTimeField(null=True, blank=True)
    read_at_text = models.CharField(max_length=40, blank=True, help_text="read_at as the API writes it")
    freshness = models.CharField(max_length=12)
    freshness_reason = models.CharField(max_length=300, blank=True)
    single_source = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    run_id = models.BigIntegerField(null=True, blank=True)
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"document of {self.stablecoin_id}"


class Feed(models.Model):
    """An on-chain reserve feed of one coin (AggregatorV3Interface; docs/feeds.md).

    It sits on the network of ``deployment`` and carries that token's decimals, so a consumer
    compares ``totalSupply()`` with the answer directly. ``heartbeat_seconds`` and ``deviation_bps``
    are the contract's own, copied when the feed is registered.
    """

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="feeds")
    deployment = models.ForeignKey("chain.Deployment", on_delete=models.PROTECT, related_name="feeds")
    address = models.CharField(max_length=42)
    decimals = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=200)
    heartbeat_seconds = models.PositiveIntegerField()
    deviation_bps = models.PositiveIntegerField()
    guard_address = models.CharField(max_length=42, blank=True, help_text="a SecureMintGuard reading this feed")

    class Meta:
        ordering = ["stablecoin__symbol", "pk"]
        constraints = [models.UniqueConstraint(fields=["deployment", "address"], name="one_feed_per_address")]

    def __str__(self) -> str:
        return f"feed of {self.stablecoin_id} at {self.address}"


class FeedRound(models.Model):
    """A round posted to a feed: the answer, the publication behind it, and where it landed."""

    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="rounds")
    round_id = models.PositiveBigIntegerField()
    answer = UInt256Field()
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="+")
    publication_hash = models.CharField(max_length=64)
    reason = models.CharField(max_length=16, help_text="first, deviation, heartbeat or recovered")
    observed_at = models.DateTimeField()
    updated_at = models.DateTimeField(help_text="the round's updatedAt (block time)")
    tx_hash = models.CharField(max_length=66, blank=True, help_text="empty for a round recovered from the chain")
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=66, blank=True)

    class Meta:
        ordering = ["feed", "round_id"]
        constraints = [models.UniqueConstraint(fields=["feed", "round_id"], name="one_row_per_round")]

    def __str__(self) -> str:
        return f"round {self.round_id} of {self.feed_id}"
