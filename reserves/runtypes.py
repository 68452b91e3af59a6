"""The shapes of a reconciliation run's inputs and outputs, for mypy (docs/rules.md describes them).

Runs are deduplicated by the SHA-256 of the inputs' canonical JSON, and ``compute(run.inputs)`` must
give back ``run.outputs`` byte for byte, so these types describe the JSON exactly as it is stored:
amounts and instants are strings, ids and counts are ints. Changing a key or a value type here
changes every new run's hash; do it only with a new ``INPUTS_FORMAT``.

A run's ``inputs`` and ``outputs`` are ``JSONField``s (``Any``). ``run_inputs_of`` and
``run_outputs_of`` are the one place a stored run's JSON is taken to have these shapes; code that
reads runs of every format (format 1 runs lack most keys) keeps reading the raw JSON instead.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, Protocol, TypedDict, cast

from chain.outstanding import BalanceJson, ReadingJson

__all__ = [
    "AssuranceInputs",
    "AttestationInputs",
    "BalanceJson",
    "Cite",
    "ConfirmationRow",
    "HoldingRow",
    "IssuerFigure",
    "LicenceInputs",
    "ReadingJson",
    "RedemptionRow",
    "RulePack",
    "RuleResult",
    "RuleSpec",
    "RunInputs",
    "RunOutputs",
    "RunStatus",
    "SupplyFinding",
    "inputs_from_json",
    "run_inputs_of",
    "run_outputs_of",
]


class Cite(TypedDict):
    """Where a source says it: ``ref`` is an id of rulepacks/sources.yaml, ``at`` the article or paragraph."""

    ref: str
    at: str
    url: NotRequired[str]
    unverified: NotRequired[str]  # why the reading is not confirmed; never opens a critical flag on its own


class RuleSpec(TypedDict):
    """One rule of a pack (reserves/rulepacks/*.yaml); ``params`` differ from rule to rule.

    ``cite``, ``param_cite`` and ``unverified`` came with pack version 2026.12; packs stored in older
    runs lack them.
    """

    name: str
    severity: str
    source: list[str]
    confidence: str
    status: str
    params: dict[str, Any]
    cite: NotRequired[list[Cite]]
    param_cite: NotRequired[dict[str, Cite]]
    unverified: NotRequired[str]


class RulePack(TypedDict):
    """A whole rule pack as loaded from YAML and copied into every run."""

    profile: str
    name: str
    version: str
    currency_mismatch: Literal["approval", "forbidden"]
    outstanding_keeps: list[str]
    haircuts: dict[str, str]  # asset_class -> fraction deducted, a decimal string
    rules: dict[str, RuleSpec]
    calendar: NotRequired[str]  # whose business days count (reserves/calendar.py); packs of 2026.12 on
    sources: NotRequired[dict[str, dict[str, str]]]  # the documents the pack cites (rulepacks/sources.yaml)


class LicenceInputs(TypedDict):
    licence_id: str  # "" for a coin without a licence
    buffer_min: str | None  # None: the pack's R3 default applies
    significant: bool
    attestation_interval_days: int | None
    apply_proposed: NotRequired[bool]  # proposed and draft rules open flags too


class IssuerFigure(TypedDict):
    chain_id: int
    outstanding: str


class AttestationInputs(TypedDict):
    """The attestation version a run judges, with every field the rules may read."""

    id: int
    version: int
    as_of: str
    as_of_timezone: str
    report_type: str
    assurer_name: str
    assurer_registration: str
    standard: str
    engagement_type: str
    assurance_level: str
    opinion: str
    pays_holder_interest: bool | None
    ceo_name: str
    cfo_name: str
    document_sha256: str
    ceo_certified_at: str | None
    cfo_certified_at: str | None
    stated_total_reserves: str | None
    # Keyed by attest.signing.HOLDING_PAYLOAD_FIELDS, which grows with what an attestation signs; a
    # TypedDict would have to be kept in step by hand, so holdings stay plain JSON objects.
    holdings: list[dict[str, Any]]
    issuer_figures: list[IssuerFigure]


class AssuranceInputs(TypedDict):
    """The newest standing independent report (attestation or audit): what R25 judges (inputs of 2026.12 on)."""

    id: int
    version: int
    report_type: str
    as_of: str
    standard: str
    engagement_type: str
    assurance_level: str
    opinion: str


class SupplyFinding(TypedDict):
    """An open mismatch between the chain's mint/burn ledger and totalSupply (chain/ledger/checks.py)."""

    source: str
    chain_id: int
    address: str
    from_block: int
    to_block: int
    to_block_hash: str
    expected: str
    observed: str
    message: str


class RedemptionRow(TypedDict):
    """A redemption the issuer reported (attest.models.Redemption); amounts in tokens, fee in the coin's currency."""

    request_id: str
    received_at: str
    amount: str
    settled_at: str | None
    fee: str | None


class ConfirmationRow(TypedDict):
    """A custodian's newest confirmation and the issuer's statement at the same cut-off (R19)."""

    custodian: str
    cut_off: str
    signed: bool
    confirmed: dict[str, str]  # currency -> balance the custodian confirms
    statement_id: int | None  # the issuer's statement as of the same instant; None when there is none
    stated: dict[str, str]  # currency -> what that statement holds at this custodian


class RunInputs(TypedDict):
    """Everything a run is computed from (format 2): what ``reserves.services.run_inputs`` builds."""

    format: int
    stablecoin: str
    currency: str
    par_value: str
    profile: str
    rulepack_version: str
    rulepack_sha256: str
    rulepack: RulePack
    licence: LicenceInputs
    evaluated_at: str
    readings_basis: str  # "latest", "as_of", "latest_no_block_at_as_of" or "latest_as_of_unread"
    attestation: AttestationInputs | None
    latest_reports: dict[str, str]  # report type -> as-of instant of the newest standing one
    latest_assurance: NotRequired[AssuranceInputs | None]  # absent in runs written before 2026.12
    supply_findings: list[SupplyFinding]
    ledger_checked: bool
    readings: list[ReadingJson]
    # Continuous supervision (docs/rules.md); absent from runs made before it, where no rule reads them.
    daily_statements: NotRequired[list[str]]  # as-of instants of the daily statements filed in the look-back
    redemptions: NotRequired[list[RedemptionRow]]
    confirmations: NotRequired[list[ConfirmationRow]]
    shortfall_since: NotRequired[str | None]  # evaluation instant of the first run of the current shortfall
    issuer_coins: NotRequired[int]  # how many coins the issuer has (R17: one pool each)


# "reserves_unverified": verified reserves fall short of par, but holdings that could not be verified
# would cover it, so neither "backed" nor "under-collateralised" can be said (R1 not evaluable).
RunStatus = Literal["backed", "under_collateralised", "reserves_unverified", "no_attestation", "no_supply"]


class RuleResult(TypedDict):
    rule: str
    name: str
    outcome: str  # pass, fail, warn, not_evaluable, not_applicable
    severity: str
    message: str
    figures: dict[str, Any]  # each rule reports its own figures
    source: list[str]
    confidence: str
    status: str
    # Pack 2026.12 on, present only when non-empty, so older runs recompute to what they stored.
    unverified: NotRequired[list[str]]  # why the rule or a parameter it used is not confirmed


class HoldingRow(TypedDict):
    line: int
    asset_class: str
    value: str | None  # None when the holding cannot be converted to the coin's currency
    haircut: str
    eligible_value: str
    excluded_by: list[str]
    unverified_by: NotRequired[list[str]]  # rules that could not verify it, so it does not count (R1)


class RunOutputs(TypedDict):
    """What ``reserves.compute.compute`` returns; amounts are decimal strings quantized for storage."""

    status: RunStatus
    profile: str
    rulepack_version: str
    outstanding: str | None
    outstanding_by_chain: dict[str, str]  # chain id (as JSON keys are strings) -> outstanding
    deducted: dict[str, str]
    kept_outstanding: dict[str, str]
    par_outstanding: str | None
    reserves_stated: str | None
    reserves: str | None
    # Holdings that could not be verified, which do not count in ``reserves`` (pack 2026.12 on; only when any).
    reserves_unverified: NotRequired[str]
    ratio: str | None
    ratio_display: str | None
    headroom: str | None
    holdings: list[HoldingRow]
    results: list[RuleResult]


class _StoredRun(Protocol):
    # A protocol rather than ReconciliationRun, so compute's import chain stays free of Django models.
    @property
    def inputs(self) -> Any: ...

    @property
    def outputs(self) -> Any: ...


def inputs_from_json(value: Any) -> RunInputs:
    """JSON read from outside (a bundle, a file) taken as run inputs; ``compute`` checks the format."""
    return cast(RunInputs, value)


def run_inputs_of(run: _StoredRun) -> RunInputs:
    """A stored run's inputs; only format 2 runs (``inputs.format == 2``) really have this shape."""
    return inputs_from_json(run.inputs)


def run_outputs_of(run: _StoredRun) -> RunOutputs:
    """A stored run's outputs as compute returned them (format 2 runs; older ones stored none)."""
    return cast(RunOutputs, run.outputs)
