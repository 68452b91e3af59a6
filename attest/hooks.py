"""Telling the apps above `attest` and `chain` that something happened, without importing them.

`chain` may import `attest` and `reserves` may import both, never the other way round
(docs/architecture.md). When a lower app must set off work in a higher one (an attestation was
submitted; supply was read), it emits an event here, and `config/settings.py` names the functions
that handle it. The wiring is explicit and lives in `config/`, which exists to wire the apps.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def emit(event: str, **kwargs: Any) -> None:
    for path in settings.ATTEST_HOOKS.get(event, []):
        import_string(path)(**kwargs)
