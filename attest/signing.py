"""The canonical form of an attestation and the EIP-712 signatures over it.

The payload is canonical JSON (sorted keys, no spaces, UTF-8, amounts as fixed-point strings) of
everything the issuer states: header, holdings, issuer figures and the report's SHA-256. Issuer and
auditor sign the same EIP-712 typed data, which carries the payload's SHA-256 as bytes32 with the
key header fields in clear. scripts/verify_attestation.py checks a downloaded bundle with eth-account
alone; keep the two in step (a test does).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.exceptions import BadSignature

from attest.audit import canonical_json
from attest.models import Attestation, SignerRole

PAYLOAD_SCHEMA = "attest.attestation/1"
BUNDLE_FORMAT = "attest.signed-attestation/1"
ZERO32 = "0x" + "00" * 32

EIP712_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}],
    "Attestation": [
        {"name": "stablecoin", "type": "string"},
        {"name": "version", "type": "uint256"},
        {"name": "asOf", "type": "string"},
        {"name": "reportType", "type": "string"},
        {"name": "statedTotalReserves", "type": "string"},
        {"name": "documentSha256", "type": "bytes32"},
        {"name": "payloadSha256", "type": "bytes32"},
    ],
}
EIP712_DOMAIN = {"name": "Attest", "version": "1"}


def _text(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


HOLDING_PAYLOAD_FIELDS = [
    "line",
    "asset_class",
    "instrument_id",
    "instrument_issuer",
    "custodian",
    "custodian_type",
    "custodian_country",
    "account_type",
    "currency",
    "face_value",
    "market_value",
    "fx_rate",
    "regulator_approval_ref",
    "valuation_method",
    "issue_date",
    "acquisition_date",
    "maturity_date",
    "segregated",
    "encumbered",
    "encumbrance_description",
    "repo_counterparty",
    "repo_collateral_type",
    "repo_collateral_value",
    "mmf_is_government",
    "mmf_invests_solely_in_eligible",
]
HEADER_PAYLOAD_FIELDS = [
    "version",
    "report_type",
    "as_of_timezone",
    "period_start",
    "period_end",
    "assurer_name",
    "assurer_registration",
    "standard",
    "engagement_type",
    "assurance_level",
    "opinion",
    "report_signed_at",
    "stated_total_reserves",
    "pays_holder_interest",
    "ceo_name",
    "ceo_certified_at",
    "cfo_name",
    "cfo_certified_at",
    "document_sha256",
    "amendment_reason",
]


def attestation_payload(attestation: Attestation) -> dict[str, Any]:
    """The canonical content of an attestation, from its stored rows (so it is the same every time)."""
    coin = attestation.stablecoin
    payload: dict[str, Any] = {name: _text(getattr(attestation, name)) for name in HEADER_PAYLOAD_FIELDS}
    payload.update(
        schema=PAYLOAD_SCHEMA,
        stablecoin=coin.symbol,
        currency=coin.currency,
        issuer=coin.issuer.name,
        issuer_lei=coin.issuer.lei,
        as_of=attestation.as_of.astimezone(UTC).isoformat(),
        supersedes_version=attestation.supersedes.version if attestation.supersedes is not None else None,
        holdings=[
            {name: _text(getattr(h, name)) for name in HOLDING_PAYLOAD_FIELDS} for h in attestation.holdings.all()
        ],
        issuer_figures=[
            {"chain_id": f.chain_id, "outstanding": _text(f.outstanding)} for f in attestation.issuer_figures.all()
        ],
    )
    return payload


def payload_sha256(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def typed_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The EIP-712 message issuer and auditor sign for this payload."""
    document = payload.get("document_sha256") or ""
    return {
        "types": EIP712_TYPES,
        "primaryType": "Attestation",
        "domain": EIP712_DOMAIN,
        "message": {
            "stablecoin": payload["stablecoin"],
            "version": payload["version"],
            "asOf": payload["as_of"],
            "reportType": payload["report_type"],
            "statedTotalReserves": payload["stated_total_reserves"] or "",
            "documentSha256": "0x" + document if document else ZERO32,
            "payloadSha256": "0x" + payload_sha256(payload),
        },
    }


def signature_recover(message: dict[str, Any], signature: str) -> str:
    """The checksummed address that made `signature` over the typed data; ValueError if it is malformed."""
    text = signature.strip()
    if len(text) > 132 or not re.fullmatch(r"(0x)?[0-9a-fA-F]*", text, re.ASCII):
        raise ValueError("a signature is 0x and 130 hex digits")
    raw = bytes.fromhex(text[2:] if text.startswith("0x") else text)
    if len(raw) != 65:
        raise ValueError("a signature is 65 bytes (130 hex digits)")
    try:
        return str(Account.recover_message(encode_typed_data(full_message=message), signature=raw))
    except BadSignature as exc:  # r or s out of range: bytes of the right length that no key made
        raise ValueError(str(exc)) from None


def signature_make(message: dict[str, Any], private_key: str | bytes) -> str:
    """Sign typed data with a private key (the demo and the tests; real signers use their own wallets)."""
    signed = Account.sign_message(encode_typed_data(full_message=message), private_key)
    return "0x" + bytes(signed.signature).hex()


def attestation_bundle(attestation: Attestation) -> dict[str, Any]:
    """Everything needed to check an attestation offline: payload, typed data, signatures, registered keys."""
    payload = attestation_payload(attestation)
    auditor = attestation.auditor
    auditor_address = ""
    if auditor is not None and hasattr(auditor, "membership"):
        auditor_address = auditor.membership.signing_address
    return {
        "format": BUNDLE_FORMAT,
        "payload": payload,
        "payload_sha256": payload_sha256(payload),
        "typed_data": typed_data(payload),
        "registered_addresses": {
            SignerRole.ISSUER.value: attestation.stablecoin.issuer.signing_address,
            SignerRole.AUDITOR.value: auditor_address,
        },
        "signatures": [
            {"role": s.role, "address": s.signer_address, "signature": s.signature, "payload_sha256": s.payload_sha256}
            for s in attestation.signatures.all()
        ],
    }
