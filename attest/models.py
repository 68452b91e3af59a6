"""Issuers, stablecoins, licences, and attestations with their holdings, figures, signatures and comments.

People (memberships, firms, failed logins) are attest/people.py and the audit log's entries are
attest/audit.py; both are imported here, which is how Django registers their models under the
``attest`` app, and how callers and migrations keep naming them ``attest.models.X``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from attest.audit import AuditEntry as AuditEntry
from attest.audit import AuditNode as AuditNode
from attest.audit import TreeHead as TreeHead
from attest.fields import ExactDecimalField
from attest.people import AccountingFirm as AccountingFirm
from attest.people import LoginFailure as LoginFailure
from attest.people import Membership as Membership
from attest.people import Role as Role
from attest.supervision import ConfirmedBalance as ConfirmedBalance
from attest.supervision import CustodianConfirmation as CustodianConfirmation
from attest.supervision import Redemption as Redemption
from attest.validators import address_validator, currency_validator, symbol_validator

# Money: up to 10^18 in the unit with 6 decimals, enough for any reserve and any single holding.
# Reserves up to 10**18 currency units (and a little over: 19 whole digits), to the millionth.
MONEY_DIGITS, MONEY_PLACES = 25, 6


class Issuer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    lei = models.CharField("LEI", max_length=20, blank=True)
    jurisdiction = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code")
    signing_address = models.CharField(
        max_length=42,
        blank=True,
        validators=[address_validator],
        help_text="the Ethereum address whose EIP-712 signature the issuer's attestations must carry",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stablecoin(models.Model):
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="stablecoins")
    symbol = models.CharField(max_length=16, unique=True, validators=[symbol_validator])
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, validators=[currency_validator], help_text="reference currency")
    par_value = ExactDecimalField(
        max_digits=20, decimal_places=6, default=Decimal(1), validators=[MinValueValidator(Decimal("0.000001"))]
    )
    published = models.BooleanField(default=True, help_text="shown in the public API and pages")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return self.symbol


class Profile(models.TextChoices):
    """Jurisdiction profiles (rule packs); see docs and ../shared/docs/regulation.md."""

    HK = "HK", "Hong Kong (HKMA)"
    US_GENIUS = "US_GENIUS", "United States (GENIUS Act)"
    US_NYDFS = "US_NYDFS", "United States (NYDFS)"
    EU_MICA = "EU_MICA", "European Union (MiCA EMT)"
    SG_MAS = "SG_MAS", "Singapore (MAS)"


class Licence(models.Model):
    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.CASCADE, related_name="licences")
    profile = models.CharField(max_length=16, choices=Profile.choices)
    licence_id = models.CharField(max_length=100)
    regulator = models.CharField(max_length=100, blank=True)
    # Per-licence parameters the rule packs read; blank means "the profile's default".
    buffer_min = ExactDecimalField(
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="R3 minimum excess, as a fraction (0.005 = 0.5%)",
    )
    significant = models.BooleanField(default=False, help_text="MiCA significant e-money token (R11: 60% deposits)")
    attestation_interval_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="R24: how often an independent attestation is due"
    )
    apply_proposed = models.BooleanField(
        default=False, help_text="proposed and draft rules open flags too (otherwise they are only reported)"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stablecoin", "profile"], name="one_licence_per_profile")]

    def __str__(self) -> str:
        return f"{self.stablecoin} {self.profile} {self.licence_id}"


class AttestationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class ReportType(models.TextChoices):
    DAILY_STATEMENT = "daily_statement", "Daily statement"
    WEEKLY_DISCLOSURE = "weekly_disclosure", "Weekly disclosure"
    MONTHLY_REPORT = "monthly_report", "Monthly report"
    ATTESTATION = "attestation", "Attestation"
    AUDIT = "audit", "Audit"


class EngagementType(models.TextChoices):
    EXAMINATION = "examination", "Examination"
    REVIEW = "review", "Review"
    AGREED_UPON_PROCEDURES = "agreed_upon_procedures", "Agreed-upon procedures"
    AUDIT = "audit", "Audit"


class AssuranceLevel(models.TextChoices):
    REASONABLE = "reasonable", "Reasonable"
    LIMITED = "limited", "Limited"
    NONE = "none", "None"


class Opinion(models.TextChoices):
    UNMODIFIED = "unmodified", "Unmodified / fairly stated"
    QUALIFIED = "qualified", "Qualified"
    ADVERSE = "adverse", "Adverse"
    DISCLAIMER = "disclaimer", "Disclaimer of opinion"


class Attestation(models.Model):
    """An issuer's statement of reserves as of one instant. Never edited once submitted."""

    stablecoin = models.ForeignKey(Stablecoin, on_delete=models.PROTECT, related_name="attestations")
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    amendment_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=AttestationStatus.choices, default=AttestationStatus.DRAFT)
    report_type = models.CharField(max_length=20, choices=ReportType.choices, default=ReportType.ATTESTATION)
    as_of = models.DateTimeField(help_text="the instant the holdings are stated at")
    as_of_timezone = models.CharField(max_length=64, default="UTC", help_text="the time zone the issuer stated")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    assurer_name = models.CharField(max_length=200, blank=True)
    assurer_registration = models.CharField(max_length=100, blank=True, help_text="PCAOB / HKICPA / ... number")
    standard = models.CharField(max_length=100, blank=True, help_text="e.g. AICPA AT-C 205, ISAE 3000 (Revised)")
    engagement_type = models.CharField(max_length=32, choices=EngagementType.choices, blank=True)
    assurance_level = models.CharField(max_length=16, choices=AssuranceLevel.choices, blank=True)
    opinion = models.CharField(max_length=16, choices=Opinion.choices, blank=True)
    report_signed_at = models.DateTimeField(null=True, blank=True)
    stated_total_reserves = ExactDecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        help_text="the issuer's own total; must equal the sum of the lines",
    )
    pays_holder_interest = models.BooleanField(
        null=True, blank=True, help_text="R31: holders are paid interest or yield"
    )
    ceo_name = models.CharField("CEO", max_length=200, blank=True)
    ceo_certified_at = models.DateTimeField("CEO certified at", null=True, blank=True)
    cfo_name = models.CharField("CFO", max_length=200, blank=True)
    cfo_certified_at = models.DateTimeField("CFO certified at", null=True, blank=True)
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audited_attestations",
        help_text="the auditor assigned to examine and countersign this attestation",
    )
    document = models.FileField(upload_to="reports/%Y/%m/", blank=True, help_text="the accountant's report (PDF)")
    document_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-as_of", "-version"]
        constraints = [models.UniqueConstraint(fields=["stablecoin", "version"], name="one_attestation_version")]
        indexes = [models.Index(fields=["stablecoin", "status", "as_of"])]

    def __str__(self) -> str:
        return f"{self.stablecoin} as of {self.as_of:%Y-%m-%d %H:%M} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == AttestationStatus.DRAFT

    def total_market_value(self) -> Decimal:
        return sum((h.market_value for h in self.holdings.all()), Decimal(0))


class AssetClass(models.TextChoices):
    """The reserve taxonomy of regulation.md §11.3."""

    CASH = "cash", "Cash"
    CENTRAL_BANK_DEPOSIT = "central_bank_deposit", "Central bank deposit"
    DEMAND_DEPOSIT = "demand_deposit", "Demand deposit"
    TERM_DEPOSIT = "term_deposit", "Term deposit"
    TBILL = "tbill", "Treasury bill"
    TNOTE = "tnote", "Treasury note"
    TBOND = "tbond", "Treasury bond"
    OTHER_GOVT_DEBT = "other_govt_debt", "Other government debt"
    OVERNIGHT_REVERSE_REPO = "overnight_reverse_repo", "Overnight reverse repo"
    TERM_REVERSE_REPO = "term_reverse_repo", "Term reverse repo"
    REPO_CASH = "repo_cash", "Repo cash"
    GOVT_MMF = "govt_mmf", "Government money-market fund"
    DEDICATED_FUND = "dedicated_fund", "Dedicated fund"
    TOKENISED_ASSET = "tokenised_asset", "Tokenised asset"
    OTHER = "other", "Other"


class CustodianType(models.TextChoices):
    CENTRAL_BANK = "central_bank", "Central bank"
    BANK = "bank", "Licensed bank"
    TRUST_COMPANY = "trust_company", "Trust company"
    CUSTODIAN = "custodian", "Qualified custodian"
    BROKER_DEALER = "broker_dealer", "Broker-dealer"
    OTHER = "other", "Other"


class AccountType(models.TextChoices):
    TRUST = "trust", "Trust account"
    FBO = "fbo", "For the benefit of holders"
    SEGREGATED_CUSTODY = "segregated_custody", "Segregated custody"
    OMNIBUS = "omnibus", "Omnibus"
    OTHER = "other", "Other"


class ValuationMethod(models.TextChoices):
    MARKET = "market", "Market value"
    AMORTISED_COST = "amortised_cost", "Amortised cost"
    NAV = "nav", "Net asset value"


class Holding(models.Model):
    """One line of reserves in an attestation."""

    attestation = models.ForeignKey(Attestation, on_delete=models.CASCADE, related_name="holdings")
    line = models.PositiveIntegerField()
    asset_class = models.CharField(max_length=32, choices=AssetClass.choices)
    instrument_id = models.CharField(max_length=64, blank=True, help_text="CUSIP or ISIN")
    instrument_issuer = models.CharField(max_length=200, blank=True)
    custodian = models.CharField(max_length=200)
    custodian_type = models.CharField(max_length=32, choices=CustodianType.choices, blank=True)
    custodian_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country of custody")
    account_type = models.CharField(max_length=32, choices=AccountType.choices, blank=True)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    face_value = ExactDecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    market_value = ExactDecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, validators=[MinValueValidator(Decimal(0))]
    )
    # Units of the coin's reference currency per unit of this holding's currency; without it a
    # holding in another currency cannot count (R8).
    fx_rate = ExactDecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    regulator_approval_ref = models.CharField(
        max_length=100, blank=True, help_text="R8: approval of a currency mismatch"
    )
    valuation_method = models.CharField(max_length=16, choices=ValuationMethod.choices, default=ValuationMethod.MARKET)
    issue_date = models.DateField(null=True, blank=True)
    acquisition_date = models.DateField(null=True, blank=True)
    maturity_date = models.DateField(null=True, blank=True)
    segregated = models.BooleanField(default=True)
    encumbered = models.BooleanField(default=False)
    encumbrance_description = models.CharField(max_length=300, blank=True)
    repo_counterparty = models.CharField(max_length=200, blank=True)
    repo_collateral_type = models.CharField(max_length=64, blank=True)
    repo_collateral_value = ExactDecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    mmf_is_government = models.BooleanField(null=True, blank=True)
    mmf_invests_solely_in_eligible = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["attestation", "line"], name="one_holding_per_line")]

    def __str__(self) -> str:
        return f"{self.asset_class} {self.currency} {self.market_value} at {self.custodian}"


class IssuerFigure(models.Model):
    """The issuer's own statement of tokens outstanding on one chain (schedule I of a report)."""

    attestation = models.ForeignKey(Attestation, on_delete=models.CASCADE, related_name="issuer_figures")
    chain_id = models.PositiveBigIntegerField()
    # Any supply a token can have (2**256-1 base units at 0 to 77 decimals): bounded by validation, not width.
    outstanding = ExactDecimalField(validators=[MinValueValidator(Decimal(0))])

    class Meta:
        ordering = ["chain_id"]
        constraints = [models.UniqueConstraint(fields=["attestation", "chain_id"], name="one_issuer_figure_per_chain")]

    def __str__(self) -> str:
        return f"chain {self.chain_id}: {self.outstanding}"


class SignerRole(models.TextChoices):
    ISSUER = "issuer", "Issuer"
    AUDITOR = "auditor", "Auditor"


class AttestationSignature(models.Model):
    """An EIP-712 signature over an attestation's canonical payload (see attest/signing.py)."""

    attestation = models.ForeignKey(Attestation, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=16, choices=SignerRole.choices)
    signer_address = models.CharField(max_length=42)
    signature = models.CharField(max_length=132)
    payload_sha256 = models.CharField(max_length=64, help_text="the SHA-256 of the canonical JSON that was signed")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["attestation", "role"], name="one_signature_per_role")]

    def __str__(self) -> str:
        return f"{self.role} signature by {self.signer_address}"


class ReviewComment(models.Model):
    """A regulator's (or the issuer's reply) comment on a submitted attestation."""

    attestation = models.ForeignKey(Attestation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment by {self.author_id} on {self.attestation_id}"
