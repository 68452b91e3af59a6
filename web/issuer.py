"""Issuer, auditor and regulator pages for attestations. Thin: parse, call a service, render.

Every page that names an attestation looks it up through `attestations_visible_to`, so another
issuer's attestation is a 404, never a 403 that confirms it exists.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from attest.csvimport import holdings_from_csv
from attest.evidence import attestation_document_attach, attestation_sign
from attest.models import Attestation, AttestationStatus, Role
from attest.review import comment_add
from attest.selectors import (
    attestation_review_queue,
    attestation_versions,
    attestations_visible_to,
    user_issuer_id,
    user_role,
)
from attest.services import (
    attestation_amend,
    attestation_create,
    attestation_draft_delete,
    attestation_update,
    errors_as_dict,
)
from attest.signing import attestation_bundle, attestation_payload, payload_sha256, typed_data
from attest.validation import AttestationInput, draft_errors
from chain.health import rpc_urls_scrubbed
from jobs import workflows
from jobs.outbox import outbox_latest
from jobs.tasks import attestation_reconcile_task
from jobs.workflows import attestation_submit
from reserves.selectors import attestation_outcome
from web.forms import (
    ZONE_CHOICES,
    AttestationForm,
    HoldingFormSet,
    IssuerFigureFormSet,
    attach_errors,
    attestation_initial,
    error_summary,
    formset_inputs,
    holding_initial,
)
from web.uploads import Kept, discard, keep, kept


def _issuer_only(request: HttpRequest) -> int:
    issuer_id = user_issuer_id(request.user)
    if user_role(request.user) != Role.ISSUER or issuer_id is None:
        raise PermissionDenied("issuer staff only")
    return issuer_id


def _visible(request: HttpRequest, pk: int) -> Attestation:
    return get_object_or_404(attestations_visible_to(request.user), pk=pk)


@login_required
def attestation_list(request: HttpRequest) -> HttpResponse:
    if user_role(request.user) is None:
        raise PermissionDenied("issuer staff, auditors and regulators only")
    attestations = attestations_visible_to(request.user).order_by("-created_at")
    return render(request, "attest/attestation_list.html", {"attestations": attestations})


def _form_page(request: HttpRequest, attestation: Attestation | None) -> HttpResponse:
    """New or edit: save the draft, or save and submit it, in one transaction."""
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    if attestation is None:
        initial: dict[str, Any] = {}
        rows: list[dict[str, Any]] = []
        figure_rows: list[dict[str, Any]] = []
    else:
        initial = attestation_initial(attestation)
        rows = [holding_initial(h) for h in attestation.holdings.all()]
        figure_rows = [{"chain_id": f.chain_id, "outstanding": f.outstanding} for f in attestation.issuer_figures.all()]
    form = AttestationForm(data, files, user=request.user, initial=initial)
    holdings = HoldingFormSet(data, prefix="holdings", initial=rows)
    # A POST without the figures' management form (an older client) simply has no figures.
    figures_data = data if data is None or "figures-TOTAL_FORMS" in data else None
    figures = IssuerFigureFormSet(figures_data, prefix="figures", initial=figure_rows)
    if attestation is not None:
        form.fields["stablecoin"].disabled = True
    figures_ok = figures_data is None or figures.is_valid()
    # Files chosen on an earlier try that came back with errors (web/uploads.py).
    kept_files: dict[str, Kept] = {}
    if data is not None:
        for name in UPLOADS:
            found = kept(data.get(f"kept_{name}", ""))
            if found is not None:
                kept_files[name] = found
    if request.method == "POST" and form.is_valid() and holdings.is_valid() and figures_ok:
        lines = formset_inputs(holdings)
        line_rows = [i for i, f in enumerate(holdings.forms) if f.has_changed() and f.cleaned_data]
        figure_inputs: list[Any] = []
        fig_rows: list[int] = []
        if figures_data is not None:
            figure_inputs = formset_inputs(figures)
            fig_rows = [i for i, f in enumerate(figures.forms) if f.has_changed() and f.cleaned_data]
        # The buttons send action=save or action=submit; a POST naming neither submits, as the first form did.
        submit = request.POST.get("action", "submit") == "submit"
        try:
            with transaction.atomic():
                csv_bytes = _chosen(form.cleaned_data.get("holdings_csv"), kept_files.get("holdings_csv"))
                if csv_bytes is not None:
                    lines = lines + holdings_from_csv(csv_bytes)
                header: dict[str, Any] = {
                    "user": request.user,
                    "as_of": form.cleaned_data["as_of"],
                    "as_of_timezone": form.cleaned_data["as_of_timezone"],
                    "report_type": form.cleaned_data["report_type"],
                    "details": form.details(),
                    "holdings": lines,
                    "issuer_figures": figure_inputs,
                }
                if attestation is None:
                    saved = attestation_create(stablecoin=form.cleaned_data["stablecoin"], **header)
                else:
                    saved = attestation_update(attestation=attestation, **header)
                document = _chosen(form.cleaned_data.get("document"), kept_files.get("document"))
                if document is not None:
                    saved = attestation_document_attach(user=request.user, attestation=saved, content=document)
                if submit:
                    attestation_submit(user=request.user, attestation=saved)
        except ValidationError as exc:
            attach_errors(
                errors_as_dict(exc),
                form=form,
                holdings=holdings,
                figures=figures,
                holding_rows=line_rows,
                figure_rows=fig_rows,
            )
        else:
            discard(kept_files.values())
            return redirect("attest:attestation_detail", pk=saved.pk)
    elif request.method == "POST" and form.is_valid():
        _check_parsed_rows(form, holdings, attestation)
    if request.method == "POST" and files is not None:
        # The form comes back with errors: keep what was chosen, so nothing needs choosing again.
        for name in UPLOADS:
            upload = files.get(name)
            if upload is not None:
                kept_files[name] = keep(upload)
    context = {
        "kept": kept_files,
        "errors": error_summary(form, holdings, figures) if request.method == "POST" else [],
        "form": form,
        "holdings": holdings,
        "figures": figures,
        "attestation": attestation,
        "zones": ZONE_CHOICES,
    }
    return render(request, "attest/attestation_form.html", context)


UPLOADS = ("document", "holdings_csv")


def _chosen(upload: Any, kept_file: Kept | None) -> bytes | None:
    """A newly chosen file wins over the one kept from an earlier try."""
    if upload is not None:
        upload.seek(0)
        content: bytes = upload.read()
        return content
    return kept_file.read() if kept_file is not None else None


def _check_parsed_rows(form: AttestationForm, holdings: Any, attestation: Attestation | None) -> None:
    """Some rows did not parse: still check the header and the rows that did, so every error shows at once."""
    rows = [i for i, f in enumerate(holdings.forms) if f.has_changed() and not f.errors]
    coin = attestation.stablecoin if attestation is not None else form.cleaned_data["stablecoin"]
    data = AttestationInput(
        form.cleaned_data["as_of"],
        form.cleaned_data["as_of_timezone"],
        form.cleaned_data["report_type"],
        coin.currency,
        form.details(),
        [holdings.forms[i].to_input() for i in rows],
    )
    # The stated total cannot be checked against a set of lines with some missing.
    errors = {k: v for k, v in draft_errors(data, now=timezone.now()).items() if k != "stated_total_reserves"}
    attach_errors(errors, form=form, holdings=holdings, figures=holdings, holding_rows=rows, figure_rows=[])


@login_required
def attestation_new(request: HttpRequest) -> HttpResponse:
    _issuer_only(request)
    return _form_page(request, None)


@login_required
def attestation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _issuer_only(request)
    attestation = _visible(request, pk)
    if not attestation.is_editable:
        raise PermissionDenied("a submitted attestation never changes; amend it instead")
    return _form_page(request, attestation)


@login_required
def attestation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = _visible(request, pk)
    role = user_role(request.user)
    payload = attestation_payload(attestation)
    context = {
        "attestation": attestation,
        "role": role,
        "payload_sha256": payload_sha256(payload),
        "typed_data": json.dumps(typed_data(payload), indent=2),
        "signatures": list(attestation.signatures.all()),
        "comments": list(attestation.comments.select_related("author")),
        "versions": attestation_versions(attestation, visible=attestations_visible_to(request.user)),
        "is_issuer": role == Role.ISSUER,
        "is_assigned_auditor": role == Role.AUDITOR and attestation.auditor_id == request.user.pk,
        "can_review": role == Role.REGULATOR and attestation.status == AttestationStatus.SUBMITTED,
        "can_amend": role == Role.ISSUER
        and attestation.status != AttestationStatus.DRAFT
        and not Attestation.objects.filter(supersedes=attestation).exists(),
        "error": request.session.pop("attestation_error", None),
        # What the filing did (the issuer's outcome, the regulator's evidence); nothing yet for a draft.
        "outcome": None
        if attestation.status == AttestationStatus.DRAFT
        else attestation_outcome(attestation=attestation),
    }
    if context["outcome"] is not None and context["outcome"]["run"] is None:
        # No as-of run yet: still on its way, or its work gave up (the page says why, not "reload").
        work = outbox_latest(attestation_reconcile_task.name, [attestation.pk])
        context["gave_up"] = rpc_urls_scrubbed(work.error) if work is not None and work.done_at is not None else ""
    return render(request, "attest/attestation_detail.html", context)


def _action(request: HttpRequest, pk: int, call: Any) -> HttpResponse:
    """Run one POST action on a visible attestation; errors are shown on the detail page."""
    attestation = _visible(request, pk)
    try:
        result = call(attestation)
    except ValidationError as exc:
        request.session["attestation_error"] = [m for ms in errors_as_dict(exc).values() for m in ms]
        return redirect("attest:attestation_detail", pk=attestation.pk)
    target = result.pk if isinstance(result, Attestation) else attestation.pk
    return redirect("attest:attestation_detail", pk=target)


@login_required
@require_POST
def attestation_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda a: attestation_submit(user=request.user, attestation=a))


@login_required
@require_POST
def attestation_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    signature = request.POST.get("signature", "")
    return _action(request, pk, lambda a: attestation_sign(user=request.user, attestation=a, signature=signature))


@login_required
@require_POST
def attestation_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An abandoned draft deleted; back to the list. A filed version is refused (it is amended instead)."""
    attestation = _visible(request, pk)
    try:
        attestation_draft_delete(user=request.user, attestation=attestation)
    except ValidationError as exc:
        request.session["attestation_error"] = [m for ms in errors_as_dict(exc).values() for m in ms]
        return redirect("attest:attestation_detail", pk=attestation.pk)
    return redirect("attest:attestation_list")


@login_required
@require_POST
def attestation_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _action(request, pk, lambda a: attestation_amend(user=request.user, attestation=a, reason=reason))


@login_required
@require_POST
def attestation_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision, comment = request.POST.get("decision", ""), request.POST.get("comment", "")
    return _action(
        request,
        pk,
        lambda a: workflows.attestation_review(user=request.user, attestation=a, decision=decision, comment=comment),
    )


@login_required
@require_POST
def attestation_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    body = request.POST.get("body", "")
    return _action(request, pk, lambda a: comment_add(user=request.user, attestation=a, body=body))


@login_required
def attestation_document(request: HttpRequest, pk: int) -> FileResponse:
    attestation = _visible(request, pk)
    if not attestation.document or not attestation.document.storage.exists(attestation.document.name):
        raise Http404("no report uploaded")
    name = f"{attestation.stablecoin.symbol}-v{attestation.version}-{attestation.document_sha256[:12]}.pdf"
    return FileResponse(attestation.document.open("rb"), as_attachment=True, filename=name)


@login_required
def attestation_bundle_view(request: HttpRequest, pk: int) -> JsonResponse:
    attestation = _visible(request, pk)
    response = JsonResponse(attestation_bundle(attestation), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = (
        f'attachment; filename="{attestation.stablecoin.symbol}-v{attestation.version}.attestation.json"'
    )
    return response


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if user_role(request.user) != Role.REGULATOR:
        raise PermissionDenied("regulators only")
    return render(request, "attest/review_queue.html", {"attestations": attestation_review_queue()})
