"""Reconciliation runs, their reproducibility bundles, publications by id, and the audit-log head."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.http import ERROR_RESPONSES, CachedApiView
from api.serializers import AuditHeadSerializer, BundleSerializer, PublicationSerializer, RunSerializer
from attest.logproofs import publication_log
from reserves import selectors as api_selectors
from reserves.models import ReconciliationRun
from reserves.publish import publication_content

# A run is never changed once written (docs/architecture.md, invariant 5), so its answer may be
# cached for a day; not longer only so that a run of an unpublished coin stops being served soon.
RUN_TTL = 86400
# The audit head moves with every state change; anyone comparing heads wants the current one, and
# 5 s only absorbs bursts of identical requests.
AUDIT_TTL = 5

RUN_ID = OpenApiParameter("run_id", int, OpenApiParameter.PATH, description="the run's id")


def _run_or_404(run_id: int) -> ReconciliationRun:
    run = api_selectors.run_public(run_id=run_id)
    if run is None:
        raise exceptions.NotFound(f"no run {run_id} of a published coin")
    return run


class RunDetailApi(CachedApiView):
    """One run: its figures, every rule's result, and the inputs they were computed from."""

    cache_seconds = RUN_TTL

    @extend_schema(
        summary="One reconciliation run", parameters=[RUN_ID], responses={200: RunSerializer, **ERROR_RESPONSES}
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = _run_or_404(run_id)
        setattr(run, "bundle", reverse("api-run-bundle", args=[run.pk]))  # noqa: B010
        self.last_modified = run.created_at
        return Response(RunSerializer(run).data)


class RunBundleApi(CachedApiView):
    """Everything needed to recompute the run and re-read its chain data at the pinned blocks."""

    cache_seconds = RUN_TTL

    @extend_schema(
        summary="Reproducibility bundle of a run",
        parameters=[RUN_ID],
        responses={200: BundleSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = _run_or_404(run_id)
        self.last_modified = run.created_at
        response = Response(BundleSerializer(api_selectors.run_bundle(run)).data)
        response["Content-Disposition"] = f'inline; filename="attest-run-{run.pk}.json"'
        return response


class AuditHeadApi(CachedApiView):
    """The newest entry of the hash-chained audit log: keep it, and later check history only grew."""

    cache_seconds = AUDIT_TTL

    @extend_schema(summary="Audit-log head", responses={200: AuditHeadSerializer, **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        head = api_selectors.audit_head_entry()
        self.last_modified = head["at"]
        return Response(AuditHeadSerializer(head).data)


class NotFoundApi(APIView):
    """Any other path under /api/v1/: a JSON 404 like every other API error."""

    schema = None  # not part of the documented API

    def get(self, request: Request, path: str = "") -> Response:
        raise exceptions.NotFound(f"no API resource at /api/v1/{path}")


def trivial(request: HttpRequest) -> JsonResponse:
    """bench/api.py's yardstick: the cheapest JSON answer Django gives (only with ATTEST_BENCH=1)."""
    return JsonResponse({"ok": True})


PUBLICATION_ID = OpenApiParameter("publication_id", int, OpenApiParameter.PATH, description="the publication's id")


class PublicationDetailApi(CachedApiView):
    """One publication with the exact content its hash covers: the proof behind a reserve feed's round."""

    cache_seconds = RUN_TTL  # never changed once written, like a run

    @extend_schema(
        summary="One publication and its content hash",
        parameters=[PUBLICATION_ID],
        responses={200: PublicationSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, publication_id: int) -> Response:
        publication = api_selectors.publication_public(publication_id=publication_id)
        if publication is None:
            raise exceptions.NotFound(f"no publication {publication_id} of a published coin")
        return Response(
            {
                "publication_id": publication.pk,
                "symbol": publication.stablecoin.symbol,
                "published_at": publication.published_at,
                "content_hash": publication.content_hash,
                "content": publication_content(publication),
                "log": publication_log([publication.pk]).get(publication.pk),
            }
        )
