"""The regulator pages and the public coin page: who may see them, what they show, constant queries."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from attest.models import AuditEntry, Stablecoin
from reserves.composition import maturity_bucket
from reserves.models import Flag, FlagStatus
from reserves.tests.pagedata import coin_with_runs, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_client() -> Client:
    client = Client()
    client.force_login(regulator())
    return client


@pytest.fixture
def two_coins():
    backed = coin_with_runs("GOOD", reserves="200000", tokens=100_000, runs=2)
    short = coin_with_runs("SHRT", reserves="90000", tokens=100_000, runs=3, chains=(31337, 10))
    return backed, short


def _csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_only_regulators_see_the_regulator_pages(two_coins):
    anonymous = Client()
    assert anonymous.get("/regulator/").status_code == 302
    issuer = Client()
    issuer.force_login(two_coins[0].coin.issuer.members.get().user)
    for url in ["/regulator/", "/regulator/overview.json", "/regulator/coins/GOOD/", "/regulator/queues/"]:
        assert issuer.get(url).status_code == 403, url


def test_the_overview_shows_every_coin_with_its_badge_and_flags(bob_client, two_coins):
    page = bob_client.get("/regulator/").content.decode()
    assert 'data-symbol="GOOD"' in page and 'data-symbol="SHRT"' in page
    assert "Fully backed" in page and "Under-collateralised" in page
    assert "1 critical" in page
    assert "chain 10, block 102" in page  # the blocks it was measured at


def test_the_overview_filters_and_sorts_on_the_server(bob_client, two_coins):
    page = bob_client.get("/regulator/?status=under_collateralised").content.decode()
    assert "SHRT" in page and 'data-symbol="GOOD"' not in page
    page = bob_client.get("/regulator/?severity=critical").content.decode()
    assert 'data-symbol="GOOD"' not in page
    page = bob_client.get("/regulator/?sort=ratio&dir=desc").content.decode()
    assert page.index('data-symbol="GOOD"') < page.index('data-symbol="SHRT"')
    page = bob_client.get("/regulator/?sort=ratio").content.decode()
    assert page.index('data-symbol="SHRT"') < page.index('data-symbol="GOOD"')
    assert 'aria-sort="ascending"' in page


def test_the_overview_json_carries_exact_amounts_as_strings(bob_client, two_coins):
    body = bob_client.get("/regulator/overview.json").json()
    coins = {c["symbol"]: c for c in body["coins"]}
    short = coins["SHRT"]
    assert short["status"] == "under_collateralised"
    assert short["reserves"] == "90000.000000000000000000"
    assert isinstance(short["backing_ratio"], str)
    assert short["open_flags"]["critical"] == 1
    assert short["display"]["reserves"] == "90,000.00"


def test_the_coin_page_draws_its_charts_and_shows_its_history(bob_client, two_coins):
    short = two_coins[1]
    page = bob_client.get("/regulator/coins/shrt/").content.decode()
    assert page.count("<polyline") >= 3  # ratio, and supply on two chains
    for text in ["By asset class", "Treasury bill", "Example Custody", "8-30 d", "94-365 d", "none"]:
        assert text in page, text
    run = short.runs[-1]
    assert f"/regulator/runs/{run.pk}/" in page
    assert run.inputs["readings"][0]["block_hash"][:10] in page
    assert "flag.opened" in page and "run.created" in page  # the audit excerpt
    assert f"/regulator/flags/{Flag.objects.get(rule='R1').pk}/acknowledge/" in page


def test_maturity_buckets_count_from_the_as_of_date():
    from datetime import date

    as_of = date(2026, 1, 1)
    assert [maturity_bucket(date(2026, 1, d), as_of) for d in (1, 8, 9, 31)] == ["0-7 d", "0-7 d", "8-30 d", "8-30 d"]
    assert maturity_bucket(date(2026, 2, 1), as_of) == "31-93 d"
    assert maturity_bucket(date(2026, 12, 31), as_of) == "94-365 d"
    assert maturity_bucket(date(2027, 1, 2), as_of) == "> 1 y"
    assert maturity_bucket(None, as_of) == "none"


def test_every_table_exports_as_csv(bob_client, two_coins):
    overview = _csv(bob_client.get("/regulator/?format=csv"))
    assert {r["symbol"] for r in overview} == {"GOOD", "SHRT"}
    short = next(r for r in overview if r["symbol"] == "SHRT")
    assert short["eligible_reserves"] == "90000.000000000000000000" and short["open_flags_critical"] == "1"
    assert len(_csv(bob_client.get("/regulator/coins/SHRT/runs.csv"))) == 3
    assert _csv(bob_client.get("/regulator/coins/SHRT/flags.csv"))[0]["rule"] == "R1"
    assert len(_csv(bob_client.get("/regulator/coins/SHRT/holdings.csv"))) == 4
    composition = _csv(bob_client.get("/regulator/coins/SHRT/composition.csv"))
    assert {r["dimension"] for r in composition} == {"asset_class", "custodian", "maturity"}
    queued = _csv(bob_client.get("/regulator/queues/?format=csv"))
    assert ("SHRT", "R1") in {(row["stablecoin"], row["rule"]) for row in queued}
    assert "GOOD" not in {row["stablecoin"] for row in queued if row["rule"] == "R1"}
    run = two_coins[1].runs[0]
    assert _csv(bob_client.get(f"/regulator/runs/{run.pk}/?format=csv"))[0]["input_hash"] == run.input_hash
    assert bob_client.get("/regulator/coins/SHRT/secrets.csv").status_code == 404


def test_the_run_report_shows_inputs_blocks_holdings_and_every_rule(bob_client, two_coins):
    run = two_coins[1].runs[0]
    page = bob_client.get(f"/regulator/runs/{run.pk}/").content.decode()
    for reading in run.inputs["readings"]:
        assert reading["block_hash"] in page
    assert "Example Custody" in page and "R1" in page and run.input_hash in page
    assert "@media print" in (Path(__file__).resolve().parents[2] / "static" / "attest.css").read_text()


def test_the_flags_page_lists_open_flags_by_severity_with_rule_names_and_amounts_formatted(bob_client, two_coins):
    page = bob_client.get("/regulator/queues/").content.decode()
    assert 'id="severity-critical"' in page and "SHRT" in page
    assert "R1 Full backing" in page
    assert "90,000.00 USD" in page and "90000.000000" not in page


def test_a_regulator_acknowledges_a_flag_after_confirming_with_a_note(bob_client, two_coins):
    flag = Flag.objects.get(rule="R1")
    url = f"/regulator/flags/{flag.pk}/acknowledge/"
    confirm = bob_client.get(url + "?next=/regulator/queues/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in confirm and '<label for="id_note">' in confirm
    assert bob_client.post(url, {"note": "  "}).status_code == 400
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    response = bob_client.post(url, {"note": "issuer called", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/regulator/queues/"
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert AuditEntry.objects.filter(action="flag.acknowledged", actor="regulator_bob").exists()
    response = bob_client.post(f"/regulator/flags/{flag.pk}/resolve/", {"note": "topped up", "next": "/regulator/"})
    assert response["Location"] == "/regulator/"
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED


def test_flag_actions_need_a_csrf_token(two_coins):
    client = Client(enforce_csrf_checks=True)
    client.force_login(regulator())
    flag = Flag.objects.get(rule="R1")
    assert client.post(f"/regulator/flags/{flag.pk}/acknowledge/", {"note": "x"}).status_code == 403
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_the_public_page_needs_no_login_and_shows_provenance(two_coins):
    page = Client().get("/coins/shrt/").content.decode()
    run = two_coins[1].runs[-1]
    assert run.inputs["readings"][0]["block_hash"] in page
    assert "/api/v1/stablecoins/SHRT/" in page and 'id="signed-attestations"' in page
    assert "<polyline" in page and "By custodian" in page
    assert "/flags/" not in page  # no regulator actions in public
    Stablecoin.objects.filter(symbol="SHRT").update(published=False)
    assert Client().get("/coins/SHRT/").status_code == 404


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def test_pages_take_the_same_number_of_queries_for_2_coins_as_for_10(bob_client, two_coins, django_assert_num_queries):
    urls = [
        "/regulator/",
        "/regulator/overview.json",
        "/regulator/queues/",
        "/regulator/?format=csv",
        "/coins/SHRT/",
        "/",
    ]
    before = {url: _count(bob_client if url != "/" else Client(), url) for url in urls}
    coin_page = _count(bob_client, "/regulator/coins/SHRT/")
    for i in range(7):
        coin_with_runs(f"MORE{i}", reserves="50", tokens=100, runs=2)
    coin_with_runs("BIG", reserves="90000", tokens=100_000, runs=9, chains=(31337, 10, 8453))
    for url, n in before.items():
        with django_assert_num_queries(n):
            (bob_client if url != "/" else Client()).get(url)
    with django_assert_num_queries(coin_page):  # a coin with 9 runs on 3 chains costs what one with 3 runs on 2 did
        bob_client.get("/regulator/coins/BIG/")


def test_a_coin_with_no_data_yet_renders_everywhere(bob_client):
    from attest.models import Issuer

    issuer = Issuer.objects.create(name="New Issuer")
    Stablecoin.objects.create(issuer=issuer, symbol="NEW", name="New Coin", currency="EUR")
    overview = bob_client.get("/regulator/").content.decode()
    assert 'data-symbol="NEW" data-verdict="unverified"' in overview and "not yet reconciled" in overview
    assert bob_client.get("/regulator/overview.json").json()["coins"][0]["backing_ratio"] is None
    for url in ["/regulator/coins/NEW/", "/coins/NEW/"]:
        page = (bob_client if url.startswith("/regulator") else Client()).get(url).content.decode()
        assert "no data yet" in page and "No attestation yet." in page, url
    assert bob_client.get("/regulator/coins/NOPE/").status_code == 404


def test_every_surface_of_the_pages_shows_the_published_verdict_and_its_reasons(bob_client, two_coins):
    from reserves.readmodel import coin_states

    states = {s.coin.symbol: s for s in coin_states(published_only=False)}
    short = states["SHRT"]
    assert (states["GOOD"].verdict, short.verdict) == ("backed", "under_collateralised")
    overview = bob_client.get("/regulator/").content.decode()
    # Worst first by default: the shortfall heads the table.
    assert overview.index('data-symbol="SHRT" data-verdict="under_collateralised"') < overview.index(
        'data-symbol="GOOD" data-verdict="backed"'
    )
    assert "eligible reserves are 14,000 below par value outstanding" in overview  # 90,000 against 104,000
    body = {c["symbol"]: c for c in bob_client.get("/regulator/overview.json").json()["coins"]}
    assert body["SHRT"]["status_reasons"] == short.reasons
    assert body["SHRT"]["display"]["backing_ratio"] == short.ratio_display
    assert short.publication is not None and body["SHRT"]["publication_id"] == short.publication.pk
    rows = {r["symbol"]: r for r in _csv(bob_client.get("/regulator/?format=csv"))}
    assert rows["SHRT"]["status"] == "under_collateralised" and rows["GOOD"]["status"] == "backed"
    assert rows["SHRT"]["outstanding"] == str(short.outstanding)
    for url, client in [("/coins/SHRT/", Client()), ("/regulator/coins/SHRT/", bob_client)]:
        page = client.get(url).content.decode()
        assert 'data-verdict="under_collateralised"' in page and "Under-collateralised" in page, url
        assert short.ratio_display in page and "14,000 below par value" in page, url
        assert "under review" in page, url  # the attestation relied on is submitted, not yet accepted
    home = Client().get("/").content.decode()
    assert 'data-verdict="under_collateralised"' in home and "Fully backed" in home


def test_the_charts_draw_one_point_per_publication(two_coins):
    from reserves.models import Publication

    assert Publication.objects.filter(stablecoin=two_coins[1].coin).count() == 3
    page = Client().get("/coins/SHRT/").content.decode()
    ratio_line = page.split('data-series="HK"')[0].rsplit("<polyline points=", 1)[1]
    assert ratio_line.count(",") == 3  # three publications, three points


def test_a_coin_under_two_licences_shows_each_and_is_headlined_by_the_worst(bob_client, two_coins):
    from attest.models import Licence
    from reserves.services import stablecoin_reconcile

    good = two_coins[0].coin
    Licence.objects.create(stablecoin=good, profile="US_GENIUS", licence_id="G-1")
    stablecoin_reconcile(stablecoin=good, trigger="manual")
    page = bob_client.get("/regulator/coins/GOOD/").content.decode()
    assert 'id="licences"' in page and "US_GENIUS" in page and "G-1" in page


def test_there_is_one_review_queue_and_the_flags_page_points_to_it(bob_client, two_coins):
    from attest.selectors import attestation_review_queue

    queued = [a.pk for a in attestation_review_queue()]
    assert queued
    flags_page = bob_client.get("/regulator/queues/").content.decode()
    review_queue = bob_client.get("/attestations/review/").content.decode()
    for pk in queued:
        assert f"/attestations/{pk}/" in review_queue and f"/attestations/{pk}/" not in flags_page
    assert 'id="review-pointer"' in flags_page and "/attestations/review/" in flags_page
    assert f"{len(queued)} attestation" in flags_page
