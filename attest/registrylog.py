"""Every change to the registry (issuers, coins, licences; networks, deployments, deduction addresses)
is a log entry, whichever path made it: `loadregistry`, the admin, the demo data.

Each app registers its own registry models (``registry_track`` in its ``AppConfig.ready``); a save
that changes an editable field appends ``registry.<model>.created|changed`` with the fields before
and after, a delete ``registry.<model>.deleted``. The entry is written by the model signal, so it
joins the transaction of the save: `registry_save` and the admin save inside one.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from attest.audit import audit_append


def _value(value: Any, field: models.Field[Any, Any] | None = None) -> Any:
    if value is not None and (isinstance(value, Decimal) or isinstance(field, models.DecimalField)):
        return format(Decimal(str(value)).normalize(), "f")  # "1.00" and Decimal("1") are the same value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    try:
        return json.loads(json.dumps(value))
    except TypeError:
        return str(value)


def _fields(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    # Editable fields are what someone registers; health counters and timestamps are not (editable=False).
    return {f.attname: f for f in model._meta.concrete_fields if f.editable and not f.primary_key}


def _state(instance: models.Model) -> dict[str, Any]:
    return {name: _value(getattr(instance, name), f) for name, f in _fields(type(instance)).items()}


def _before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None:
        return
    fields = _fields(sender)
    old = sender._default_manager.filter(pk=instance.pk).values(*fields).first()
    before = None if old is None else {k: _value(v, fields[k]) for k, v in old.items()}
    instance._registry_before = before  # type: ignore[attr-defined]


def _saved(sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    before = getattr(instance, "_registry_before", None)
    after = _state(instance)
    if before == after:
        return  # an upsert that changed nothing: nothing happened
    changed = sorted(k for k in after if before is None or before.get(k) != after[k])
    audit_append(
        actor="registry",
        action=f"registry.{sender._meta.model_name}.{'created' if before is None else 'changed'}",
        object_type=str(sender._meta.model_name),
        object_id=instance.pk,
        payload={"before": before, "after": after, "changed": changed},
    )
    instance._registry_before = after  # type: ignore[attr-defined]


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    audit_append(
        actor="registry",
        action=f"registry.{sender._meta.model_name}.deleted",
        object_type=str(sender._meta.model_name),
        object_id=instance.pk,
        payload={"before": _state(instance)},
    )


def registry_track(*models_: type[models.Model]) -> None:
    for model in models_:
        uid = f"registrylog-{model._meta.label_lower}"
        pre_save.connect(_before, sender=model, dispatch_uid=f"{uid}-pre")
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}-post")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}-delete")
