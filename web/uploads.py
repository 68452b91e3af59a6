"""Files an issuer chose, kept across a form that comes back with errors, so they need not choose them again.

A browser never refills a file input, so when the attestation form fails, each uploaded file is stored
under ``pending/`` in the media storage and the page carries a signed token naming it; the next POST
uses the kept file unless a new one is chosen. Tokens are signed (they cannot name another file) and
expire after a day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

SALT = "attest.web.kept-upload"
MAX_AGE = 86_400


@dataclass(frozen=True)
class Kept:
    token: str
    name: str
    path: str

    def read(self) -> bytes:
        with default_storage.open(self.path, "rb") as f:
            data: bytes = f.read()
        return data


def keep(upload: UploadedFile) -> Kept:
    upload.seek(0)
    path = default_storage.save(f"pending/{uuid.uuid4().hex}", upload)
    name = upload.name or "upload"
    return Kept(signing.dumps({"path": path, "name": name}, salt=SALT), name, path)


def kept(token: str) -> Kept | None:
    """The file a token names, or None for no token, a forged or expired one, or a file gone."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    path, name = str(data.get("path", "")), str(data.get("name", ""))
    if not path.startswith("pending/") or not default_storage.exists(path):
        return None
    return Kept(token, name, path)
