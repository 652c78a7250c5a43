"""Excel import previews (ImportBatch): stored after a fully valid upload, applied once after the user confirms.

The parsed changes are kept server-side under a random token; each app applies its own kind through its
services (indicators.services.import_batch_apply, stations.services.staff_import_apply).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from evalportal.periods import Quarter

from .models import Contract, ImportBatch


def import_batches_purge(*, now: datetime | None = None) -> int:
    """Delete the import previews older than ImportBatch.TTL (applied or not); returns how many were deleted."""
    cutoff = (now or timezone.now()) - ImportBatch.TTL
    deleted, _ = ImportBatch.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def import_batch_store(
    *, user, contract: Contract, kind: str, payload: dict, file_name: str = "", quarter: Quarter | None = None
) -> ImportBatch:
    """Keep a fully valid upload for its preview under a random token; expired previews are purged first."""
    import_batches_purge()
    batch = ImportBatch(
        token=secrets.token_urlsafe(24), user=user, contract=contract, kind=kind,
        quarter=quarter.slug if quarter else "", file_name=(file_name or "")[:200], payload=payload,
    )
    batch.full_clean()
    batch.save()
    return batch


def import_batch_for(*, user, contract: Contract, token: str, kind: str) -> ImportBatch | None:
    """The user's own unexpired preview of this contract, or None."""
    return ImportBatch.objects.filter(
        token=token, contract=contract, user=user, kind=kind, created_at__gte=timezone.now() - ImportBatch.TTL
    ).first()
