"""Custodians' confirmations of reserve balances at a cut-off, optionally EIP-712 signed.

A custodian (``Role.CUSTODIAN``, its institution in ``Membership.custodian_name``) confirms the
balances it holds for a coin's reserve at one cut-off instant. The payload is canonical JSON, as for
attestations (attest/signing.py); the typed data carries its SHA-256, and a signature, when sent, must
recover to the custodian's registered ``signing_address``. A confirmation is never edited. R19
compares it with the issuer's statement for the same cut-off (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from attest.audit import audit_append
from attest.models import ConfirmedBalance, CustodianConfirmation, Holding, Membership, Role, Stablecoin
from attest.selectors import STATEMENT_STATUSES
from attest.signing import EIP712_DOMAIN, payload_sha256, signature_recover
from attest.validation import Errors, amount_error, iso4217_codes


@dataclass(frozen=True)
class BalanceInput:
    """One account balance a custodian confirms."""

    currency: str
    amount: Decimal
    account: str = ""


def confirmation_errors(*, cut_off: datetime, balances: Sequence[BalanceInput], now: datetime) -> Errors:
    errors: Errors = {}
    if cut_off.tzinfo is None:
        errors["cut_off"] = ["The cut-off needs a time zone."]
    elif cut_off > now:
        errors["cut_off"] = ["The cut-off is in the future."]
    if not balances:
        errors["balances"] = ["Confirm at least one balance."]
    for i, b in enumerate(balances):
        if b.currency not in iso4217_codes():
            errors[f"balances.{i}.currency"] = [f"{b.currency!r} is not an ISO 4217 currency code."]
        if message := amount_error(b.amount):
            errors[f"balances.{i}.amount"] = [message]
        if len(b.account) > 100:
            errors[f"balances.{i}.account"] = ["At most 100 characters."]
    return errors


PAYLOAD_SCHEMA = "attest.custodian-confirmation/1"
EIP712_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}],
    "CustodianConfirmation": [
        {"name": "stablecoin", "type": "string"},
        {"name": "custodian", "type": "string"},
        {"name": "cutOff", "type": "string"},
        {"name": "payloadSha256", "type": "bytes32"},
    ],
}


def custodian_membership(user: AbstractBaseUser | AnonymousUser) -> Membership:
    membership = (
        Membership.objects.filter(user_id=user.pk, role=Role.CUSTODIAN).first() if user.is_authenticated else None
    )
    if membership is None:
        raise PermissionDenied("only a custodian may confirm balances")
    return membership


def custodian_key(name: str) -> str:
    """How a custodian's name is compared with the holdings' custodian: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def stablecoins_confirmable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Stablecoin]:
    """The coins whose filed statements name this custodian's institution."""
    membership = custodian_membership(user)
    coins = Holding.objects.filter(
        custodian__iexact=membership.custodian_name.strip(), attestation__status__in=STATEMENT_STATUSES
    ).values("attestation__stablecoin_id")
    return Stablecoin.objects.filter(pk__in=coins)


def confirmation_payload(
    *, stablecoin: Stablecoin, custodian: str, cut_off: datetime, balances: Sequence[BalanceInput]
) -> dict[str, Any]:
    return {
        "schema": PAYLOAD_SCHEMA,
        "stablecoin": stablecoin.symbol,
        "custodian": custodian,
        "cut_off": cut_off.astimezone(UTC).isoformat(),
        "balances": [{"account": b.account, "currency": b.currency, "amount": format(b.amount, "f")} for b in balances],
    }


def confirmation_typed_data(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": EIP712_TYPES,
        "primaryType": "CustodianConfirmation",
        "domain": EIP712_DOMAIN,
        "message": {
            "stablecoin": payload["stablecoin"],
            "custodian": payload["custodian"],
            "cutOff": payload["cut_off"],
            "payloadSha256": "0x" + payload_sha256(payload),
        },
    }


def confirmation_record(
    *,
    user: AbstractBaseUser | AnonymousUser,
    stablecoin: Stablecoin,
    cut_off: datetime,
    balances: Sequence[BalanceInput],
    signature: str = "",
) -> CustodianConfirmation:
    """Store a custodian's confirmation; with a signature, only if it recovers to the custodian's address."""
    membership = custodian_membership(user)
    if not stablecoins_confirmable_by(user).filter(pk=stablecoin.pk).exists():
        raise PermissionDenied(f"no filed statement of {stablecoin.symbol} names {membership.custodian_name}")
    balances = [BalanceInput(b.currency.upper(), b.amount, b.account.strip()) for b in balances]
    errors = confirmation_errors(cut_off=cut_off, balances=balances, now=timezone.now())
    if errors:
        raise ValidationError(errors)
    payload = confirmation_payload(
        stablecoin=stablecoin, custodian=membership.custodian_name, cut_off=cut_off, balances=balances
    )
    signer = ""
    if signature.strip():
        if not membership.signing_address:
            raise ValidationError({"signature": ["No signing address is registered for this custodian."]})
        try:
            signer = signature_recover(confirmation_typed_data(payload), signature)
        except ValueError as exc:
            raise ValidationError({"signature": [f"Not a valid signature: {exc}."]}) from None
        if signer.lower() != membership.signing_address.lower():
            raise ValidationError(
                {"signature": [f"Signed by {signer}, not by the registered {membership.signing_address}."]}
            )
    try:
        with transaction.atomic():
            # The coin's row lock first, as every writer of the coin takes it (then the audit log's lock).
            Stablecoin.objects.select_for_update().get(pk=stablecoin.pk)
            confirmation = CustodianConfirmation.objects.create(
                stablecoin=stablecoin,
                custodian=membership.custodian_name,
                cut_off=cut_off,
                confirmed_by=user,  # type: ignore[misc]
                payload_sha256=payload_sha256(payload),
                signer_address=signer,
                signature=signature.strip() if signer else "",
            )
            ConfirmedBalance.objects.bulk_create(
                [
                    ConfirmedBalance(confirmation=confirmation, account=b.account, currency=b.currency, amount=b.amount)
                    for b in balances
                ]
            )
            audit_append(
                actor=user.get_username(),
                action="confirmation.created",
                object_type="custodian_confirmation",
                object_id=confirmation.pk,
                payload={"payload_sha256": confirmation.payload_sha256, "signed": bool(signer)},
            )
    except IntegrityError:
        raise ValidationError(
            {"cut_off": ["This custodian has confirmed this coin at this cut-off already."]}
        ) from None
    return confirmation
