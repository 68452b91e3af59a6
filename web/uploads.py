"""Files an issuer chose, kept across a form that comes back with errors, so they need not choose them again.

A browser never refills a file input, so when the attestation form fails, each uploaded file is stored
under ``pending/`` in the media storage and the page carries a signed token naming it; the next POST
uses the kept file unless a new one is chosen. Tokens are signed (they cannot name another file) and
expire after a day. A kept file is deleted once the form that used it succeeds (``discard``), and files
older than a day (their tokens expired: an abandoned form) are swept whenever another file is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

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
    sweep()
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


def discard(files: Iterable[Kept]) -> None:
    """Delete kept files once the form that used them succeeded: their content is stored where it belongs."""
    for f in files:
        default_storage.delete(f.path)


def sweep() -> int:
    """Delete kept files older than their tokens can be (abandoned forms); returns how many."""
    try:
        _dirs, names = default_storage.listdir("pending")
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - timedelta(seconds=MAX_AGE)
    stale = [f"pending/{n}" for n in names if default_storage.get_modified_time(f"pending/{n}") < cutoff]
    for path in stale:
        default_storage.delete(path)
    return len(stale)
