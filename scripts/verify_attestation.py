#!/usr/bin/env python3
"""Check a signed attestation bundle offline, with nothing but eth-account.

    pip install eth-account
    python scripts/verify_attestation.py USDX-v1.attestation.json [--issuer 0x… --auditor 0x…]

The bundle is what /attestations/<id>/bundle.json (or GET /api/v1/issuer/attestations/<id>/bundle/)
serves. The script recomputes the SHA-256 of the payload's canonical JSON, checks that the EIP-712
typed data commits to it and to the header fields it shows, recovers the signer of each signature
and compares it with the registered address for its role: the bundle's own, or better the addresses
you got from the issuer and the audit firm directly (--issuer, --auditor). Exit status 0 means verified.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def verify_bundle(bundle: dict[str, Any], *, expect: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(problems, report lines); no problems means the bundle is verified.

    `expect` ({"issuer": "0x…", "auditor": "0x…"}) are addresses you obtained yourself; they replace the
    bundle's own `registered_addresses`, which a forged bundle could simply rewrite."""
    problems: list[str] = []
    lines: list[str] = []
    payload = bundle["payload"]
    digest = hashlib.sha256(canonical_json(payload).encode()).hexdigest()
    lines.append(f"payload sha256 {digest}")
    if bundle.get("payload_sha256") != digest:
        problems.append("the payload does not hash to the bundle's payload_sha256 (payload edited)")
    message = bundle["typed_data"]["message"]
    expected = {
        "stablecoin": payload["stablecoin"],
        "version": payload["version"],
        "asOf": payload["as_of"],
        "reportType": payload["report_type"],
        "statedTotalReserves": payload["stated_total_reserves"] or "",
        "documentSha256": "0x" + (payload["document_sha256"] or "00" * 32),
        "payloadSha256": "0x" + digest,
    }
    for key, value in expected.items():
        if str(message.get(key)).lower() != str(value).lower():
            problems.append(f"typed data {key}={message.get(key)!r} does not match the payload ({value!r})")
    registered = {**bundle.get("registered_addresses", {}), **(expect or {})}
    signatures = bundle.get("signatures", [])
    if not signatures:
        problems.append("the bundle carries no signatures")
    for sig in signatures:
        role = sig["role"]
        text = sig["signature"][2:] if sig["signature"].startswith("0x") else sig["signature"]
        try:
            signer = Account.recover_message(
                encode_typed_data(full_message=bundle["typed_data"]), signature=bytes.fromhex(text)
            )
        except Exception as exc:  # any malformed signature is a failure to verify, whatever eth-account raises
            problems.append(f"{role} signature cannot be read: {exc}")
            continue
        want = registered.get(role) or ""
        lines.append(f"{role} signature by {signer} (registered {want or 'none'})")
        if signer.lower() != str(sig.get("address", "")).lower():
            problems.append(f"{role} signature was made by {signer}, not by the stated {sig.get('address')}")
        if not want or signer.lower() != want.lower():
            problems.append(f"{role} signature was made by {signer}, not by the registered address {want or '(none)'}")
    return problems, lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Verify a signed Attest attestation bundle offline.")
    parser.add_argument("file")
    parser.add_argument("--issuer", help="the issuer's signing address as you know it (overrides the bundle's)")
    parser.add_argument("--auditor", help="the auditor's signing address as you know it (overrides the bundle's)")
    args = parser.parse_args(argv[1:])
    expect = {role: address for role, address in (("issuer", args.issuer), ("auditor", args.auditor)) if address}
    problems, lines = verify_bundle(json.loads(Path(args.file).read_text()), expect=expect)
    for line in lines:
        print(line)
    for problem in problems:
        print("FAIL:", problem, file=sys.stderr)
    print("attestation NOT verified" if problems else "attestation verified")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
