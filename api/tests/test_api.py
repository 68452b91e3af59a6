"""The public API on PostgreSQL and Redis: fields, provenance, freshness, HTTP caching, CSV, errors, throttling."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attest.models import Issuer, Stablecoin
from chain.models import Deployment, SupplyReading
from reserves.models import Publication
from reserves.services import stablecoin_reconcile
from tests import api_data

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_shows_figures_with_blocks_and_freshness():
    coin, run = api_data.coin("USDX", reserves="4800000")
    body = Client().get("/api/v1/stablecoins/USDX/").json()
    assert body["status"] == "under_collateralised"
    assert body["backing_ratio"] == "0.960000000000"
    assert body["headroom"] == "-200000.000000000000000000"
    assert body["outstanding"]["amount"] == "5000000.000000000000000000"
    assert body["reserves"]["amount"] == "4800000.000000000000000000"
    [block] = body["outstanding"]["blocks"]
    reading = SupplyReading.objects.get(deployment__stablecoin=coin)
    assert (block["chain_id"], block["block_number"], block["block_hash"]) == (31337, 100, reading.block_hash)
    assert body["freshness"]["status"] == "fresh"
    assert body["freshness"]["max_age_seconds"] == settings.CHAIN_STALE_AFTER
    assert 0 <= body["freshness"]["age_seconds"] <= 5
    assert [f["rule"] for f in body["open_flags"]] == ["R1"]
    assert body["run_id"] == run.pk and body["input_hash"] == run.input_hash
    assert body["links"]["bundle"] == f"/api/v1/runs/{run.pk}/bundle/"


def test_money_is_never_a_json_number():
    api_data.coin("USDX")
    raw = Client().get("/api/v1/stablecoins/").content.decode()
    assert '"amount":"' in raw and '"amount":5' not in raw and '"backing_ratio":"' in raw


def test_stale_reads_are_never_shown_as_fresh():
    coin, _ = api_data.coin("USDX")
    client = Client()
    assert client.get("/api/v1/stablecoins/USDX/").json()["status"] == "backed"
    api_data.let_time_pass(coin, settings.CHAIN_STALE_AFTER + 30)
    body = client.get("/api/v1/stablecoins/USDX/").json()
    assert body["freshness"]["status"] == "stale"
    # Backed figures on stale chain data are not verified any more.
    assert body["status"] == "unverified" and body["status_reasons"][0]["code"] == "chain_stale"
    assert body["freshness"]["age_seconds"] >= settings.CHAIN_STALE_AFTER + 30
    assert "more than" in body["freshness"]["reason"]
    supply = client.get("/api/v1/stablecoins/USDX/supply/").json()
    assert supply["freshness"]["status"] == "stale"
    assert {row["freshness"] for row in supply["results"]} == {"stale"}


def test_a_deployment_never_read_degrades_the_coin():
    coin, _ = api_data.coin("USDX")
    Deployment.objects.create(
        stablecoin=coin, network=api_data.network(31338), address="0x" + secrets.token_hex(20), decimals=6
    )
    stablecoin_reconcile(stablecoin=coin, trigger="manual")  # the next evaluation publishes it
    body = Client().get("/api/v1/stablecoins/USDX/").json()
    assert body["status"] == "unverified"
    assert body["freshness"]["status"] == "degraded"
    assert "never read" in body["freshness"]["reason"]


def test_list_and_detail_take_the_same_number_of_queries_for_2_and_10_coins():
    client = Client()
    for i in range(2):
        api_data.coin(f"C{i:02d}")
    few_list, few_detail = _queries(client, "/api/v1/stablecoins/"), _queries(client, "/api/v1/stablecoins/C00/")
    for i in range(2, 10):
        api_data.coin(f"C{i:02d}")
    assert len(client.get("/api/v1/stablecoins/").json()) == 10
    assert _queries(client, "/api/v1/stablecoins/") == few_list
    assert _queries(client, "/api/v1/stablecoins/C00/") == few_detail


def test_history_filters_by_time_and_paginates():
    coin, _ = api_data.coin("USDX")
    deployment = Deployment.objects.get(stablecoin=coin)
    holder = deployment.deductions.get().address
    base = timezone.now() - timedelta(days=10)
    for day in range(1, 5):
        api_data.reading_for(deployment, minted=6_000_000 + day, treasury=1_000_000, holder=holder, block=100 + day)
        stablecoin_reconcile(stablecoin=coin, trigger="supply")
    publications = list(Publication.objects.filter(stablecoin=coin).order_by("pk"))
    assert len(publications) == 5  # each new figure published once
    for day, p in enumerate(publications):
        Publication.objects.filter(pk=p.pk).update(published_at=base + timedelta(days=day))
    client = Client()
    body = client.get("/api/v1/stablecoins/USDX/history/").json()
    assert body["count"] == 5
    assert [p["publication_id"] for p in body["results"]] == [p.pk for p in publications]
    assert [p["run_id"] for p in body["results"]] == [p.run_id for p in publications]
    assert body["results"][2]["blocks"][0]["block_number"] == 102
    assert body["results"][0]["status"] == "backed" and body["results"][4]["status"] == "under_collateralised"
    window = client.get(
        "/api/v1/stablecoins/USDX/history/",
        {"from": (base + timedelta(days=1)).date().isoformat(), "to": (base + timedelta(days=2, hours=1)).isoformat()},
    ).json()
    assert [p["publication_id"] for p in window["results"]] == [publications[1].pk, publications[2].pk]
    page = client.get("/api/v1/stablecoins/USDX/history/", {"limit": 2, "offset": 2})
    assert [p["publication_id"] for p in page.json()["results"]] == [publications[2].pk, publications[3].pk]
    assert 'rel="next"' in page["Link"] and 'rel="prev"' in page["Link"]
    bad = client.get("/api/v1/stablecoins/USDX/history/", {"from": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid" and "from" in bad.json()["error"]["details"]


def test_supply_lists_every_bucket_with_its_block():
    coin, _ = api_data.coin("USDX")
    rows = Client().get("/api/v1/stablecoins/USDX/supply/").json()["results"]
    reading = SupplyReading.objects.get(deployment__stablecoin=coin)
    assert [(r["bucket"], r["raw"], r["amount"], r["counted_as_outstanding"]) for r in rows] == [
        ("total_supply", "6000000000000", "6000000.000000000000000000", True),
        ("treasury", "1000000000000", "1000000.000000000000000000", False),
    ]
    assert {(r["block_number"], r["block_hash"]) for r in rows} == {(100, reading.block_hash)}


def test_attestations_publish_versions_with_document_hash():
    api_data.coin("USDX")
    [att] = Client().get("/api/v1/stablecoins/USDX/attestations/").json()["results"]
    assert att["version"] == 1 and att["status"] == "submitted"
    assert att["document_sha256"] == "ab" * 32 and att["signatures"] == []
    assert att["total_reserves"] == "5000000.000000000000000000"


def test_runs_list_detail_and_bundle_recompute_to_the_same_figures():
    from reserves.compute import compute

    _, run = api_data.coin("USDX")
    client = Client()
    listed = client.get("/api/v1/stablecoins/USDX/runs/").json()
    assert [r["id"] for r in listed["results"]] == [run.pk] and "inputs" not in listed["results"][0]
    detail = client.get(f"/api/v1/runs/{run.pk}/").json()
    assert detail["results"][0]["rule"] == "R1" and detail["inputs"]["readings"][0]["address"]
    bundle = client.get(f"/api/v1/runs/{run.pk}/bundle/").json()
    recomputed = compute(bundle["inputs"])
    for name in ("status", "outstanding", "reserves", "ratio", "headroom"):
        assert recomputed[name] == bundle["outputs"][name]
    assert client.get("/api/v1/runs/999999/").json()["error"]["code"] == "not_found"


def test_audit_head_is_the_newest_entry():
    from attest.audit import audit_head

    api_data.coin("USDX")
    seq, head = audit_head()
    assert Client().get("/api/v1/audit/head/").json() | {"at": None} == {"seq": seq, "hash": head, "at": None}


def test_it_answers_304_to_a_matching_etag_or_date_and_states_a_ttl():
    coin, run = api_data.coin("USDX")
    client = Client()
    first = client.get("/api/v1/stablecoins/USDX/")
    assert first["Cache-Control"] == "public, max-age=15"
    etag = first["ETag"]
    again = client.get("/api/v1/stablecoins/USDX/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    since = client.get("/api/v1/stablecoins/USDX/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    run_answer = client.get(f"/api/v1/runs/{run.pk}/")
    assert run_answer["Cache-Control"] == "public, max-age=86400"
    assert client.get(f"/api/v1/runs/{run.pk}/", HTTP_IF_NONE_MATCH=run_answer["ETag"]).status_code == 304
    # New figures, new tag.
    deployment = Deployment.objects.get(stablecoin=coin)
    reading = api_data.reading_for(
        deployment, minted=7_000_000, treasury=1_000_000, holder=deployment.deductions.get().address, block=101
    )
    assert reading.pk
    stablecoin_reconcile(stablecoin=coin, trigger="supply")
    changed = client.get("/api/v1/stablecoins/USDX/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_tag_changes_when_data_turns_stale():
    coin, _ = api_data.coin("USDX")
    client = Client()
    etag = client.get("/api/v1/stablecoins/USDX/")["ETag"]
    api_data.let_time_pass(coin, settings.CHAIN_STALE_AFTER + 1)
    assert client.get("/api/v1/stablecoins/USDX/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_tables_come_as_csv():
    api_data.coin("USDX")
    api_data.coin("HKDA")
    answer = Client().get("/api/v1/stablecoins/", {"format": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [r["symbol"] for r in rows] == ["HKDA", "USDX"]
    assert rows[0]["outstanding.amount"] == "5000000.000000000000000000" and rows[0]["freshness.status"] == "fresh"
    supply = Client().get("/api/v1/stablecoins/USDX/supply/", HTTP_ACCEPT="text/csv").content.decode()
    assert supply.splitlines()[0].startswith("chain_id,network,contract")


def test_get_is_open_to_every_origin():
    api_data.coin("USDX")
    answer = Client().get("/api/v1/stablecoins/", HTTP_ORIGIN="https://example.org")
    assert answer["Access-Control-Allow-Origin"] == "*"


def test_errors_are_json_with_a_code_and_a_message():
    client = Client()
    # A newline in the path (schemathesis found %0A) must not slip past the API's catch-all into HTML.
    urls = ("/api/v1/stablecoins/NOPE/", "/api/v1/stablecoins/NOPE/history/", "/api/v1/no/such/thing/")
    for url in (*urls, "/api/v1/runs/%0A%05/bundle/"):
        answer = client.get(url)
        assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
        error = answer.json()["error"]
        assert error["code"] == "not_found" and error["message"] and error["status"] == 404


def test_anonymous_clients_are_throttled_with_retry_after(settings):
    settings.API_ANON_RATE = "3/minute"
    client = Client(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}")
    codes = [client.get("/api/v1/audit/head/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    answer = client.get("/api/v1/audit/head/")
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert answer.json()["error"]["code"] == "throttled"


def test_the_docs_page_works_offline_and_describes_every_field():
    from drf_spectacular.generators import SchemaGenerator

    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    for path in ("/api/v1/stablecoins/{symbol}/history/", "/api/v1/runs/{run_id}/bundle/", "/api/v1/audit/head/"):
        assert path in html
    assert "<script" not in html and "cdn" not in html.lower()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    undocumented = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, prop in component.get("properties", {}).items()
        if not prop.get("description") and not any("description" in p for p in prop.get("allOf", []))
    ]
    assert undocumented == []
    for path, methods in schema["paths"].items():
        if path.startswith("/api/v1/issuer/"):
            continue  # the issuer API's own docs are docs/attestations.md; its path ids are not described yet
        for op in methods.values():
            assert all(p.get("description") for p in op.get("parameters", [])), path


def test_each_process_reuses_an_answer_for_api_cache_seconds(settings):
    settings.API_CACHE_SECONDS = 30
    coin, _ = api_data.coin(f"M{secrets.token_hex(3).upper()}")
    url = f"/api/v1/stablecoins/{coin.symbol}/"
    client = Client()
    first = client.get(url)
    assert "Age" not in first
    api_data.let_time_pass(coin, settings.CHAIN_STALE_AFTER + 1)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert len(ctx.captured_queries) == 0
    assert again.content == first.content and int(again["Age"]) >= 0 and again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    settings.API_CACHE_SECONDS = 0
    assert client.get(url).json()["freshness"]["status"] == "stale"


def test_per_coin_tables_take_the_same_number_of_queries_whatever_the_number_of_coins():
    client = Client()
    api_data.coin("C00")
    urls = [
        "/api/v1/stablecoins/C00/history/",
        "/api/v1/stablecoins/C00/supply/",
        "/api/v1/stablecoins/C00/attestations/",
        "/api/v1/stablecoins/C00/runs/",
        "/api/v1/audit/head/",
    ]
    few = [_queries(client, u) for u in urls]
    for i in range(1, 8):
        api_data.coin(f"C{i:02d}")
    run_id = client.get("/api/v1/stablecoins/C00/").json()["run_id"]
    assert [_queries(client, u) for u in urls] == few
    assert _queries(client, f"/api/v1/runs/{run_id}/") == _queries(client, f"/api/v1/runs/{run_id}/bundle/") == 1


def test_a_server_error_under_api_is_json_too(rf):
    from api.errors import server_error

    answer = server_error(rf.get("/api/v1/stablecoins/"))
    assert answer.status_code == 500
    assert answer["Content-Type"] == "application/json"
    assert b'"code": "server_error"' in answer.content


def test_a_coin_never_reconciled_is_listed_unverified_with_no_figures():
    issuer = Issuer.objects.create(name="New Issuer")
    Stablecoin.objects.create(issuer=issuer, symbol="NEWC", name="New coin", currency="USD", published=True)
    client = Client()
    body = client.get("/api/v1/stablecoins/NEWC/").json()
    assert body["status"] == "unverified" and body["status_reasons"][0]["code"] == "not_reconciled"
    assert body["backing_ratio"] is None and body["freshness"]["status"] == "no_data"
    assert [c["symbol"] for c in client.get("/api/v1/stablecoins/").json()] == ["NEWC"]
    Stablecoin.objects.filter(symbol="NEWC").update(published=False)
    assert client.get("/api/v1/stablecoins/NEWC/").status_code == 404
