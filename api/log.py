"""The transparency log's public endpoints: signed head, keys, entries by range, inclusion and consistency proofs.

What an outside monitor needs (scripts/attest_monitor.py, docs/transparency-log.md). Entries and
proofs for given sizes never change; the head moves with every append.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.http import ERROR_RESPONSES, CachedApiView
from api.log_serializers import (
    ConsistencyProofSerializer,
    InclusionProofSerializer,
    LogEntriesSerializer,
    LogKeySerializer,
    TreeHeadSerializer,
)
from attest import logkeys, logproofs, merkle
from attest.parsing import parse_integer

# The head moves with every append; 5 s only absorbs bursts of identical requests.
HEAD_TTL = 5
# Entries, keys and proofs between fixed sizes never change; a minute bounds how long a client could
# hold an answer from a server that was wrong, without making monitors re-download the same pages.
FIXED_TTL = 60


def _int(request: Request, name: str, *, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = parse_integer(raw)  # ASCII digits, as every input (attest/parsing.py); "" is no integer either
    except ValueError:
        raise exceptions.ValidationError({name: ["expected an integer"]}) from None
    if value < 0:
        raise exceptions.ValidationError({name: ["expected 0 or more"]})
    return value


def _required(request: Request, name: str) -> int:
    value = _int(request, name)
    if value is None:
        raise exceptions.ValidationError({name: ["required"]})
    return value


def _answer(call: Any) -> Any:
    """A size or index beyond the newest signed head names nothing the log has: 404."""
    try:
        return call()
    except logproofs.LogRequestError as exc:
        raise exceptions.NotFound(str(exc)) from None


def _counted(name: str, description: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "integer", "minimum": 0}, description=description, required=required)


class LogHeadApi(CachedApiView):
    """The newest signed tree head: keep it, and later ask for a consistency proof from it."""

    cache_seconds = HEAD_TTL

    @extend_schema(summary="Signed tree head", responses={200: TreeHeadSerializer, **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        head = logproofs.tree_head_latest()
        if head is None:
            data = {"tree_size": 0, "root_hash": merkle.EMPTY_ROOT.hex(), "timestamp": 0, "key_id": None}
            data |= {"algorithm": logkeys.ALGORITHM, "signature": None}
            return Response(data)
        return Response(TreeHeadSerializer(head.as_json()).data)


class LogKeysApi(CachedApiView):
    """Every public key heads were signed with: the current one and the retired ones."""

    cache_seconds = FIXED_TTL

    @extend_schema(summary="Log signing keys", responses={200: LogKeySerializer(many=True), **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        return Response(LogKeySerializer(logkeys.published_keys(), many=True).data)


class LogEntriesApi(CachedApiView):
    """Entries [start, end), 0-based, at most 1000 per request."""

    cache_seconds = FIXED_TTL

    @extend_schema(
        summary="Log entries by range",
        parameters=[
            _counted("start", "first index (0-based)", required=True),
            _counted("end", f"index after the last; at most start + {logproofs.MAX_ENTRIES} are served"),
        ],
        responses={200: LogEntriesSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        start = _required(request, "start")
        end = max(start, _int(request, "end", default=start + logproofs.MAX_ENTRIES) or 0)
        entries = _answer(lambda: logproofs.entries_range(start=start, end=end))
        return Response({"start": start, "end": start + len(entries), "entries": entries})


class LogInclusionApi(CachedApiView):
    """The audit path of an entry in a signed tree (RFC 6962 §2.1.1)."""

    cache_seconds = FIXED_TTL

    @extend_schema(
        summary="Inclusion proof",
        parameters=[
            _counted("index", "the entry's 0-based index", required=True),
            _counted("tree_size", "a signed head's size; default the newest"),
        ],
        responses={200: InclusionProofSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        index, size = _required(request, "index"), _int(request, "tree_size")
        proof = _answer(lambda: logproofs.inclusion_proof(index=index, tree_size=size))
        return Response(InclusionProofSerializer(proof).data)


class LogConsistencyApi(CachedApiView):
    """The proof that the tree of size ``second`` extends the tree of size ``first`` (RFC 6962 §2.1.2)."""

    cache_seconds = FIXED_TTL

    @extend_schema(
        summary="Consistency proof",
        parameters=[
            _counted("first", "the older head's size", required=True),
            _counted("second", "the newer head's size; default the newest"),
        ],
        responses={200: ConsistencyProofSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        first, second = _required(request, "first"), _int(request, "second")
        latest = logproofs.tree_head_latest()
        size = second if second is not None else (latest.tree_size if latest else 0)
        path = _answer(lambda: logproofs.consistency_proof(first=first, second=size))
        return Response({"first": first, "second": size, "consistency_path": path})
