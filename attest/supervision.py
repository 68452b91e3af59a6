"""What continuous supervision collects besides attestations: redemptions and custodians' confirmations.

Daily reserve statements are attestations with ``report_type = daily_statement`` (attest/models.py):
the same form, API, CSV and validation, lighter only in what a submission needs (no certification,
no accountant's report). The models here are imported into attest/models.py, so Django registers
them under the ``attest`` app and callers name them ``attest.models.X``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from attest.fields import ExactDecimalField

# Amounts of money as attest/models.py bounds them (that module imports this one first, so they are
# repeated here); a token amount has no bound, like IssuerFigure.outstanding (attest/fields.py).
MONEY_DIGITS, MONEY_PLACES = 25, 6


class Redemption(models.Model):
    """One redemption request as the issuer reports it: received, then (later or at once) settled.

    A settled redemption never changes; an unsettled one may be reported again with its settlement.
    """

    stablecoin = models.ForeignKey("attest.Stablecoin", on_delete=models.PROTECT, related_name="redemptions")
    request_id = models.CharField(max_length=100, help_text="the issuer's own reference for the request")
    received_at = models.DateTimeField()
    amount = ExactDecimalField(validators=[MinValueValidator(Decimal(0))])  # tokens, exact at any size
    settled_at = models.DateTimeField(null=True, blank=True)
    fee = ExactDecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        help_text="the fee charged, in the coin's reference currency",
    )
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "request_id"]
        constraints = [models.UniqueConstraint(fields=["stablecoin", "request_id"], name="one_redemption_per_request")]
        indexes = [models.Index(fields=["stablecoin", "received_at"])]

    def __str__(self) -> str:
        return f"{self.stablecoin_id} {self.request_id} {self.amount}"


class CustodianConfirmation(models.Model):
    """A custodian's confirmation of the balances it holds for a coin's reserve at one cut-off. Never edited."""

    stablecoin = models.ForeignKey("attest.Stablecoin", on_delete=models.PROTECT, related_name="confirmations")
    custodian = models.CharField(max_length=200, help_text="the institution, named as the issuer's holdings name it")
    cut_off = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    payload_sha256 = models.CharField(max_length=64)
    signer_address = models.CharField(max_length=42, blank=True)
    signature = models.CharField(max_length=132, blank=True, help_text="optional EIP-712 signature")

    class Meta:
        ordering = ["-cut_off", "custodian"]
        constraints = [
            models.UniqueConstraint(fields=["stablecoin", "custodian", "cut_off"], name="one_confirmation_per_cut_off")
        ]

    def __str__(self) -> str:
        return f"{self.custodian} for {self.stablecoin_id} at {self.cut_off:%Y-%m-%d %H:%M}"


class ConfirmedBalance(models.Model):
    confirmation = models.ForeignKey(CustodianConfirmation, on_delete=models.CASCADE, related_name="balances")
    account = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3)
    amount = ExactDecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.account} {self.currency} {self.amount}"
