"""The transparency log's signing key, its published public keys, and what a signed tree head signs.

Ed25519 through the ``cryptography`` package. The private key comes from ``AUDIT_SIGNING_KEY`` (or
the file named by ``AUDIT_SIGNING_KEY_FILE``): PEM (PKCS#8) or the base64 of the 32-byte seed. With
``DEBUG`` on and no key set, a development key is generated once into ``AUDIT_DEV_KEY_FILE``.
Retired keys stay published from ``AUDIT_RETIRED_KEYS`` (base64 raw public keys), so heads signed
before a rotation stay verifiable (docs/transparency-log.md, "Rotating the key"). Keys come from the
configuration, never from the database: whoever can write the database cannot add a key.

A key's id is the hex SHA-256 of its raw 32-byte public key. A head signs the text
``attest-tree-head:v1\\n<tree_size>\\n<root_hash hex>\\n<timestamp ms>\\n`` (``head_message``).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "Ed25519"
HEAD_PREFIX = "attest-tree-head:v1"


def head_message(*, tree_size: int, root_hash: str, timestamp: int) -> bytes:
    return f"{HEAD_PREFIX}\n{tree_size}\n{root_hash}\n{timestamp}\n".encode()


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()


def key_parse(text: str) -> Ed25519PrivateKey:
    """A private key from PEM (PKCS#8) or base64 of the 32-byte seed; a clear error otherwise."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return key
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"AUDIT_SIGNING_KEY is not an Ed25519 private key (PEM or base64 of 32 bytes): {exc}"
        ) from None


def key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def key_generate(path: Path) -> Ed25519PrivateKey:
    """A new key written to ``path`` readable by its owner only (PEM)."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key_pem(key))
    return key


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    key_id: str

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.key.sign(message)).decode()


@functools.cache
def _signer_from(text: str) -> Signer:
    key = key_parse(text)
    return Signer(key, key_id(key.public_key()))


def signer() -> Signer:
    """The configured signing key (parsed once per configured value)."""
    text: str = settings.AUDIT_SIGNING_KEY
    if not text:
        # Only reachable when the process started with DEBUG on (settings refuse to load otherwise);
        # not checked here because the test runner turns DEBUG off after start-up.
        path = Path(settings.AUDIT_DEV_KEY_FILE)
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process made it first
                key_generate(path)
        text = path.read_text()
    return _signer_from(text)


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    public_key: str  # base64 of the raw 32 bytes
    status: str  # "current" or "retired"
    algorithm: str = ALGORITHM


def _public_from(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise ImproperlyConfigured(f"AUDIT_RETIRED_KEYS: {text!r} is not a base64 Ed25519 public key: {exc}") from None


def published_keys() -> list[PublishedKey]:
    """The current key first, then every retired one still published."""
    current = signer().key.public_key()
    keys = [PublishedKey(key_id(current), base64.b64encode(raw_public(current)).decode(), "current")]
    for text in str(settings.AUDIT_RETIRED_KEYS).replace(",", " ").split():
        public = _public_from(text)
        if key_id(public) != keys[0].key_id:
            keys.append(PublishedKey(key_id(public), base64.b64encode(raw_public(public)).decode(), "retired"))
    return keys


def signature_valid(*, message: bytes, signature: str, public_key: str) -> bool:
    try:
        _public_from(public_key).verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
