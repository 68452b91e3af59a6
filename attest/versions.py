"""Version numbers of a coin's attestations: given to a draft when it is made, settled when it is submitted.

The version is inside the signed payload (attest/signing.py), and the issuer signs a draft before submitting
it, so a signed draft's number never changes. An unsigned draft's number is only provisional: at submit it
takes the number after the last filed version, so drafts abandoned without being deleted leave no gap.
"""

from __future__ import annotations

from django.db.models import Max

from attest.models import Attestation, AttestationStatus, Stablecoin


def next_version(stablecoin: Stablecoin) -> int:
    """The number after the last filed version, unless a draft holds it: abandoned drafts that were deleted
    leave no gap, so the first real filing after them is not "v4". The version is signed, so it is fixed here."""
    versions = Attestation.objects.filter(stablecoin=stablecoin)
    filed = versions.exclude(status=AttestationStatus.DRAFT).aggregate(v=Max("version"))["v"] or 0
    if not versions.filter(version=filed + 1).exists():
        return filed + 1
    return (versions.aggregate(v=Max("version"))["v"] or 0) + 1


def renumber_at_submit(locked: Attestation) -> bool:
    """An unsigned draft takes the number after the last filed version when it is submitted, so drafts
    abandoned without being deleted leave no gap. If an unsigned draft holds that number, the two swap.
    A signed draft keeps its number, and so does a submit past a signed draft: the number is in the signed
    payload. Returns whether ``locked`` was renumbered (its payload changed)."""
    if locked.signatures.exists():
        return False
    # Every version of the coin locked, in one order: concurrent submits of one coin take their turns.
    versions = list(
        Attestation.objects.select_for_update(no_key=True).filter(stablecoin_id=locked.stablecoin_id).order_by("pk")
    )
    target = max((a.version for a in versions if a.status != AttestationStatus.DRAFT), default=0) + 1
    if locked.version == target:
        return False
    holder = next((a for a in versions if a.version == target), None)
    if holder is not None and holder.signatures.exists():
        return False
    own = locked.version
    if holder is not None:  # through 0, a number no version has, so the unique constraint holds at each step
        Attestation.objects.filter(pk=holder.pk).update(version=0)
    Attestation.objects.filter(pk=locked.pk).update(version=target)
    if holder is not None:
        Attestation.objects.filter(pk=holder.pk).update(version=own)
    locked.version = target
    return True
