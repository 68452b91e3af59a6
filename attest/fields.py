"""Model fields that keep exact numbers on every database.

SQLite has no exact decimal type: Django stores a DecimalField there as REAL and reads it back
through a 15-digit float, so 2**255+12345 comes back as 5.78960446186581e76 (stack-notes §1).
These fields store text on SQLite and ``numeric`` on PostgreSQL, and always hand Python an
``int`` or a ``Decimal``. Their SQL ordering on SQLite is textual: sort in Python, or on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

UINT256_MAX = 2**256 - 1


class UInt256Field(models.Field):  # type: ignore[type-arg]
    """An unsigned 256-bit integer, such as a raw ``totalSupply()``."""

    description = "Unsigned 256-bit integer (exact on every database)"

    def get_internal_type(self) -> str:
        return "UInt256Field"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "numeric(78,0)" if connection.vendor == "postgresql" else "varchar(78)"

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> int | None:
        return None if value is None else int(value)

    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise ValidationError(f"{value!r} is not a whole number") from None

    def get_prep_value(self, value: Any) -> int | None:
        number = self.to_python(value)
        if number is not None and not 0 <= number <= UINT256_MAX:
            raise ValidationError(f"{number} is outside the uint256 range")
        return number

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        return Decimal(value) if connection.vendor == "postgresql" else str(value)


class ExactDecimalField(models.DecimalField):  # type: ignore[type-arg]
    """A DecimalField that never passes through a float, on SQLite included."""

    def get_internal_type(self) -> str:
        # A name the backends do not know, so SQLite's float-based decimal converter is not applied.
        return "ExactDecimalField"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        if connection.vendor == "postgresql":
            return f"numeric({self.max_digits},{self.decimal_places})"
        return f"varchar({(self.max_digits or 0) + 2})"

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        try:
            exact = Decimal(value).quantize(Decimal(1).scaleb(-(self.decimal_places or 0)))
        except InvalidOperation:
            raise ValidationError(f"{value!r} does not fit {self.max_digits} digits") from None
        return exact if connection.vendor == "postgresql" else format(exact, "f")


@models.Field.register_lookup
class AnyOf(models.Lookup):  # type: ignore[type-arg]
    """``field__any=[1, 2, 3]``: ``field = ANY(%s)`` with the list as one array parameter (PostgreSQL).

    For batches of thousands of ids (reserves/batch.py): ``__in`` sends one placeholder per id, and
    splitting and binding those costs more than the query itself.
    """

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        return "%s", [list(value)]

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


models.ForeignObject.register_lookup(AnyOf)
