"""People: who a user is to Attest (issuer staff, an auditor of a firm, or a regulator), and failed logins.

The models are imported into attest/models.py, so Django registers them under the ``attest`` app
and callers and migrations name them ``attest.models.X`` as before.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from attest.validators import address_validator


class Role(models.TextChoices):
    ISSUER = "issuer", "Issuer staff"
    AUDITOR = "auditor", "Auditor"
    REGULATOR = "regulator", "Regulator"
    CUSTODIAN = "custodian", "Custodian"


class AccountingFirm(models.Model):
    """A registered public accounting firm whose auditors examine issuers' reserves."""

    name = models.CharField(max_length=200, unique=True)
    registration = models.CharField(max_length=100, blank=True, help_text="PCAOB / HKICPA / ... number")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """What a user is to Attest: issuer staff of one issuer, an auditor of one firm, or a regulator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=16, choices=Role.choices)
    issuer = models.ForeignKey("attest.Issuer", on_delete=models.CASCADE, null=True, blank=True, related_name="members")
    firm = models.ForeignKey(AccountingFirm, on_delete=models.CASCADE, null=True, blank=True, related_name="auditors")
    signing_address = models.CharField(
        max_length=42,
        blank=True,
        validators=[address_validator],
        help_text="an auditor's or custodian's registered address for EIP-712 signatures",
    )
    custodian_name = models.CharField(
        max_length=200, blank=True, help_text="a custodian's institution, named as issuers' holdings name it"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="issuer", issuer__isnull=False) | ~models.Q(role="issuer"),
                name="issuer_staff_have_an_issuer",
            ),
            models.CheckConstraint(
                condition=models.Q(role="auditor", firm__isnull=False) | ~models.Q(role="auditor"),
                name="auditors_have_a_firm",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="custodian", custodian_name=""),
                name="custodians_have_an_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class LoginFailure(models.Model):
    """One failed login, counted per (username, IP) to lock out password guessing (attest/auth.py)."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["username", "ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at}"
