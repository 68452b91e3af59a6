"""A model field for fixed-width hashes, stored as bytes and handed to Python as ``0x`` hex text.

Why: the ledger (``LedgerEntry``) holds tens of thousands of rows per indexing window, each with a
block hash and a transaction hash, and the block hash sits in its unique index. As 66-character
``varchar`` they doubled the row and the index entry; as 32-byte ``bytea`` the indexer's COPY of
20,004 rows takes 0.10 s instead of 0.15 s (docs/benchmarks-ledger.md). The rest of the code keeps
seeing the ``0x…`` lower-case strings it compares with node answers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class HashField(models.BinaryField):  # type: ignore[type-arg]
    """``length`` bytes: ``bytea`` on PostgreSQL, ``BLOB`` on SQLite; ``"0x" + hex`` in Python."""

    _pyi_private_set_type: str | bytes
    _pyi_private_get_type: str  # type: ignore[assignment]  # hex text, not the bytes stored

    description = "Fixed-width hash stored as bytes"

    def __init__(self, *args: Any, length: int = 32, **kwargs: Any) -> None:
        self.length = length
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.length != 32:
            kwargs["length"] = self.length
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> str | None:
        return None if value is None else "0x" + bytes(value).hex()

    def to_python(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return "0x" + bytes(value).hex()
        return "0x" + self._bytes(value).hex()

    def get_prep_value(self, value: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            raw = bytes(value)
            if len(raw) != self.length:
                raise ValidationError(f"a hash of {len(raw)} bytes, not {self.length}")
            return raw
        return self._bytes(value)

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        return super().get_db_prep_value(value if prepared else self.get_prep_value(value), connection, prepared=True)

    def value_to_string(self, obj: models.Model) -> str:
        return str(self.value_from_object(obj))

    def _bytes(self, value: Any) -> bytes:
        text = str(value)
        digits = text[2:] if text[:2] in {"0x", "0X"} else ""
        try:
            raw = bytes.fromhex(digits) if len(digits) == 2 * self.length else b""
        except ValueError:
            raw = b""
        if len(raw) != self.length:  # fromhex also skips spaces: count what it made
            raise ValidationError(f"{text[:80]!r} is not a 0x-prefixed {self.length}-byte hex hash")
        return raw
