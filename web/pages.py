"""Regulator pages (overview, coin, queues, flag actions, printable runs) and the public coin page.

Views only parse the request, call one selector or service, and render. Every coin's verdict and
figures come from the read model (reserves/readmodel.py) through web/overview.py and web/coinpage.py;
plain reads are in reserves/selectors.py, flag writes in reserves/flags.py (a manual resolution through
jobs/workflows.py, which sends its notifications), CSV in web/exports.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from attest.models import Role
from attest.selectors import attestation_review_queue, user_role
from jobs.workflows import flag_acknowledge, flag_resolve_manually
from reserves.models import Flag, FlagStatus
from reserves.readmodel import coin_states
from reserves.selectors import flags_unresolved, run_blocks, run_detail
from reserves.verdict import ORDER
from web import exports
from web.charts import bar_chart, line_chart, responsive
from web.coinpage import CoinPage, coin_page
from web.labels import code_label, text
from web.overview import (
    DEFAULT_SORT,
    SEVERITIES,
    SORT_KEYS,
    OverviewQuery,
    market_summary,
    overview_row_json,
    overview_rows,
)
from web.throttle import throttled


def _require_regulator(request: HttpRequest) -> None:
    if user_role(request.user) != Role.REGULATOR:
        raise PermissionDenied("regulators only")


def _overview_params(request: HttpRequest) -> OverviewQuery:
    sort = request.GET.get("sort", DEFAULT_SORT)
    return OverviewQuery(
        status=request.GET.get("status", ""),
        severity=request.GET.get("severity", ""),
        q=request.GET.get("q", "")[:64],
        sort=sort if sort in SORT_KEYS else DEFAULT_SORT,
        descending=request.GET.get("dir") == "desc",
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require_regulator(request)
    params = _overview_params(request)
    rows = overview_rows(params)
    if request.GET.get("format") == "csv":
        return exports.overview_csv(rows)
    columns = [
        ("symbol", gettext("Coin")),
        ("status", gettext("Verdict")),
        ("ratio", gettext("Backing ratio")),
        ("headroom", gettext("Headroom")),
        ("outstanding", gettext("Outstanding")),
        ("reserves", gettext("Eligible reserves")),
        ("attestation_age", gettext("Attestation")),
        ("freshness", gettext("Chain data")),
        ("flags", gettext("Open findings")),
    ]
    return render(
        request,
        "reserves/overview.html",
        {
            "rows": rows,
            # The strip counts the whole market, whatever the filter.
            "summary": market_summary(
                rows
                if params == OverviewQuery(sort=params.sort, descending=params.descending)
                else overview_rows(OverviewQuery())
            ),
            "params": params,
            "columns": _sort_links(request, params, columns),
            "statuses": [(v, code_label(v)) for v in ORDER],
            "severities": SEVERITIES,
            "csv_query": _csv_query(request),
        },
    )


def _csv_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


def _sort_links(request: HttpRequest, params: OverviewQuery, columns: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Column headers as links: a click sorts by the column, a second click reverses it."""
    links = []
    for key, label in columns:
        query = request.GET.copy()
        query.pop("format", None)
        active = params.sort == key
        query["sort"] = key
        query["dir"] = "asc" if active and params.descending else ("desc" if active else "asc")
        direction = "descending" if params.descending else "ascending"
        links.append({"key": key, "label": label, "href": "?" + query.urlencode(), "sort": direction if active else ""})
    return links


@login_required
@require_GET
def overview_json(request: HttpRequest) -> JsonResponse:
    _require_regulator(request)
    rows = overview_rows(_overview_params(request))
    return JsonResponse({"generated_at": timezone.now().isoformat(), "coins": [overview_row_json(r) for r in rows]})


def _charts(page: CoinPage) -> dict[str, object]:
    symbol, currency = page.state.coin.symbol, page.state.coin.currency
    return {
        "ratio_chart": responsive(
            line_chart,
            page.ratio_series,
            title=gettext("%(symbol)s published backing ratio over time") % {"symbol": symbol},
            reference=Decimal(1),
            reference_label=gettext("1.0 = fully backed"),
        ),
        "supply_chart": responsive(
            line_chart,
            page.supply_series,
            title=gettext("%(symbol)s published tokens outstanding per chain") % {"symbol": symbol},
        ),
        "composition_charts": [
            (
                key,
                text(title),
                [(text(label), value) for label, value in rows],
                responsive(
                    bar_chart,
                    [(text(label), value) for label, value in rows],
                    title=f"{symbol} {text(title)} ({currency})",
                    bars=True,
                ),
            )
            for key, title, rows in page.composition.tables()
        ],
    }


EXPORTS = ("runs", "flags", "holdings", "composition")


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


@login_required
@require_GET
def coin(request: HttpRequest, symbol: str, table: str = "") -> HttpResponse:
    _require_regulator(request)
    runs_page = 0 if table else _page_number(request.GET.get("runs", "1"))
    page = coin_page(symbol=symbol.upper(), published_only=False, regulator=True, runs_page=runs_page)
    if page is None:
        raise Http404(f"no stablecoin {symbol}")
    name = f"{page.state.coin.symbol.lower()}-{table}.csv"
    if table == "runs":
        return exports.runs_csv(page.runs, name)
    if table == "flags":
        return exports.flags_csv(page.flags, name)
    if table == "holdings":
        return exports.holdings_csv(page.holdings, name)
    if table == "composition":
        return exports.composition_csv(page.composition, name)
    if table:
        raise Http404(f"no export {table}")
    return render(request, "reserves/coin.html", {"page": page, "exports": EXPORTS, **_charts(page)})


@login_required
@require_GET
def queue_list(request: HttpRequest) -> HttpResponse:
    _require_regulator(request)
    flags = flags_unresolved()
    if request.GET.get("format") == "csv":
        return exports.flags_csv(flags, "attest-open-flags.csv")
    by_severity: dict[str, list[Flag]] = {s: [] for s in SEVERITIES}
    for flag in flags:
        by_severity.setdefault(flag.severity, []).append(flag)
    # The same selector as /attestations/review/, so both queues list the same attestations.
    awaiting = list(attestation_review_queue())
    context = {"awaiting_review": awaiting, "open_flags": flags, "flags_by_severity": list(by_severity.items())}
    return render(request, "reserves/queues.html", context)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("reserves:queues")


@login_required
@require_http_methods(["GET", "POST"])
def flag_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: a confirmation page with a required note; POST (CSRF-checked): do it and go back."""
    _require_regulator(request)
    flag = get_object_or_404(Flag.objects.select_related("stablecoin", "last_run"), pk=pk)
    if action == "acknowledge" and flag.status != FlagStatus.OPEN:
        raise Http404("only an open flag can be acknowledged")
    error = ""
    if request.method == "POST":
        note = request.POST.get("note", "").strip()
        if not note:
            error = gettext("Write a note: it is recorded with your name in the flag's history and the audit log.")
        else:
            try:
                if action == "acknowledge":
                    flag_acknowledge(flag=flag, user=request.user, note=note)
                else:
                    flag_resolve_manually(flag=flag, user=request.user, reason=note)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect(_next_url(request))
    return render(
        request,
        "reserves/flag_confirm.html",
        {"flag": flag, "action": action, "error": error, "next": _next_url(request)},
        status=400 if error else 200,
    )


@login_required
@require_GET
def run_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_regulator(request)
    run = run_detail(run_id=pk)
    if run is None:
        raise Http404(f"no run {pk}")
    if request.GET.get("format") == "csv":
        return exports.runs_csv([run], f"run-{run.pk}.csv")
    return render(request, "reserves/run.html", {"run": run, "blocks": run_blocks(run=run)})


@require_GET
@throttled
def public_coin(request: HttpRequest, symbol: str) -> HttpResponse:
    """The transparency page of a published coin: no login, the publication the public API serves."""
    page = coin_page(symbol=symbol.upper(), published_only=True, regulator=False)
    if page is None:
        raise Http404(f"no published stablecoin {symbol}")
    return render(request, "reserves/public_coin.html", {"page": page, **_charts(page)})


@require_GET
@throttled
def public_index(request: HttpRequest) -> HttpResponse:
    """Every published coin, worst verdict first is the overview's; here by symbol, as the landing page."""
    return render(request, "reserves/home.html", {"states": coin_states(published_only=True), "index": True})


@require_GET
@throttled
def public_report(request: HttpRequest, symbol: str) -> FileResponse:
    """The accountant's report of the attestation a published coin's answer relies on, as filed.

    Its SHA-256 is on the coin page, so a reader can check the file they got is the one filed."""
    page = coin_page(symbol=symbol.upper(), published_only=True, regulator=False)
    evidence = page.evidence if page else None
    if evidence is None or not evidence.document:
        raise Http404("no report for this coin")
    name = f"{evidence.stablecoin.symbol}-v{evidence.version}-{evidence.document_sha256[:12]}.pdf"
    return FileResponse(evidence.document.open("rb"), as_attachment=True, filename=name)
