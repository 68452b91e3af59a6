"""Validators the attest models share (attest/models.py, attest/people.py)."""

from __future__ import annotations

from django.core.validators import RegexValidator

symbol_validator = RegexValidator(r"^[A-Z0-9]{2,16}$", "2 to 16 capital letters or digits")
currency_validator = RegexValidator(r"^[A-Z]{3}$", "an ISO 4217 code such as HKD, USD or EUR")
address_validator = RegexValidator(r"^0x[0-9a-fA-F]{40}$", "an Ethereum address: 0x and 40 hex digits")
