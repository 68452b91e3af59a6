"""Output serializers of the public API. Every field says what it means (help_text): the schema and /api/docs/ show it.

Amounts are ``DecimalField``s rendered as strings (COERCE_DECIMAL_TO_STRING), never JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from api.log_serializers import PublicationLogSerializer
from attest.exact import amount_text


class ExactAmountField(serializers.DecimalField):
    """An amount as a decimal string with at least ``places`` places (18: any token's), and every place
    beyond that it has: never rounded, whatever its size (a uint256 of tokens has 78 digits)."""

    def __init__(self, *, places: int = 18, **kwargs: Any) -> None:
        self.places = places
        super().__init__(max_digits=None, decimal_places=None, **kwargs)

    def to_representation(self, value: Any) -> Any:
        if value is None:
            return None
        return amount_text(value if isinstance(value, Decimal) else Decimal(str(value).strip()), self.places)


def amount_field(source: str | None, help_text: str, *, allow_null: bool = True) -> ExactAmountField:
    kwargs: dict[str, Any] = {"source": source} if source else {}
    return ExactAmountField(allow_null=allow_null, help_text=help_text, **kwargs)


class BlockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField(help_text="EIP-155 chain id of the network")
    block_number = serializers.IntegerField(help_text="number of the block the figure was read at")
    block_hash = serializers.CharField(help_text="0x-prefixed hash of the block the figure was read at")
    block_time = serializers.DateTimeField(help_text="timestamp of that block (UTC)")


class FreshnessSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(
        choices=["fresh", "stale", "degraded", "no_data"],
        help_text=(
            "fresh: every deployment read within max_age_seconds and covered by the figures; stale: the oldest "
            "latest read is older than that (reads failing or stopped); degraded: a deployment was never read or "
            "is left out of the figures; no_data: nothing read yet. Never fresh when reads fail."
        ),
    )
    age_seconds = serializers.IntegerField(
        allow_null=True, help_text="seconds between read_at and this response (null without data)"
    )
    read_at = serializers.DateTimeField(
        allow_null=True, help_text="when the least recently read deployment was last read from the chain"
    )
    max_age_seconds = serializers.IntegerField(help_text="CHAIN_STALE_AFTER: older chain data is stale")
    reason = serializers.CharField(help_text="why the status is not fresh; empty when fresh")
    cross_checked = serializers.BooleanField(
        allow_null=True,
        help_text="true: every reading under the figures was read again from a second RPC URL of its network and "
        "agreed (block hash and values); false: some rest on one node alone (see single_source); null without data",
    )
    single_source = serializers.CharField(
        help_text="which networks' figures one RPC URL alone vouches for (one URL registered, or cross-checking "
        "off); empty when all were cross-checked"
    )


VERDICT_HELP = (
    "the published verdict, worst first: under_collateralised (eligible reserves below par value outstanding); "
    "unverified (no attestation, a stale or rejected one, chain data stale or degraded, or the reconciliation "
    "failing: see status_reasons); at_risk (covered, but inside the licence buffer or with another critical or "
    "high finding open); backed (covered, no critical or high finding open). docs/publications.md"
)
VERDICTS = ["under_collateralised", "unverified", "at_risk", "backed"]


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="machine-readable reason: shortfall, no_attestation, attestation_stale, ...")
    text = serializers.CharField(help_text="the reason in words, with the figures")


class OutstandingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    amount = amount_field(None, "tokens outstanding: total supply minus deduction buckets, all chains")
    par_value_amount = amount_field(None, "outstanding x par value, in the reference currency")
    blocks = BlockSerializer(many=True, help_text="the pinned blocks the amount was read at, one per chain")


class ReservesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    amount = amount_field(None, "attested eligible reserves in the reference currency")
    attestation_as_of = serializers.DateTimeField(
        allow_null=True, help_text="the instant the attestation relied on states its holdings at"
    )
    attestation_version = serializers.IntegerField(allow_null=True, help_text="version of that attestation")
    attestation_status = serializers.CharField(
        help_text="its review state when published: submitted, accepted, changes_requested or rejected (empty: none)"
    )
    attestation_review = serializers.CharField(help_text="the review state in words (empty: no attestation)")


class FlagSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rule = serializers.CharField(help_text="rule id, e.g. R1 (full backing)")
    profile = serializers.CharField(help_text="jurisdiction profile of the rule pack (HK, US_GENIUS, ...)")
    severity = serializers.CharField(help_text="critical, high, medium or low")
    status = serializers.CharField(help_text="open or acknowledged (resolved flags are not listed)")
    message = serializers.CharField(help_text="what the rule found, with the figures")
    opened_at = serializers.DateTimeField(help_text="when the flag was first raised")


class LinksSerializer(serializers.Serializer):  # type: ignore[type-arg]
    history = serializers.CharField(help_text="URL of the coin's history")
    supply = serializers.CharField(help_text="URL of the coin's per-chain supply")
    attestations = serializers.CharField(help_text="URL of the coin's published attestations")
    runs = serializers.CharField(help_text="URL of the coin's reconciliation runs")
    run = serializers.CharField(allow_null=True, help_text="URL of the run behind the headline figures")
    bundle = serializers.CharField(allow_null=True, help_text="URL of that run's reproducibility bundle")


class _FiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    backing_ratio = ExactAmountField(
        places=12,
        allow_null=True,
        help_text="eligible reserves / par value outstanding, cut (not rounded) to 12 places",
    )
    headroom = amount_field(None, "reserves - par value outstanding (negative: shortfall)")


class LicenceSerializer(_FiguresSerializer):
    profile = serializers.CharField(help_text="licence profile whose rule pack judged it (empty: no licence)")
    licence_id = serializers.CharField(help_text="the licence's id (empty: no licence)")
    regulator = serializers.CharField(help_text="the regulator that granted it")
    status = serializers.ChoiceField(choices=VERDICTS, help_text=VERDICT_HELP)
    status_label = serializers.CharField(help_text="the verdict in words")
    status_reasons = ReasonSerializer(many=True, help_text="why the verdict is not backed (empty when backed)")
    backing_ratio_display = serializers.CharField(allow_null=True, help_text="the ratio cut to 4 places")
    outstanding = amount_field(None, "tokens outstanding under this licence's deduction rules")
    par_value_outstanding = amount_field(None, "outstanding x par value")
    reserves = amount_field(None, "eligible reserves under this licence's rules")
    attestation_version = serializers.IntegerField(allow_null=True, help_text="attestation relied on")
    attestation_status = serializers.CharField(help_text="its review state when published")
    publication_id = serializers.IntegerField(help_text="the publication this answer comes from")
    run_id = serializers.IntegerField(allow_null=True, help_text="the run behind it (null: the run failed)")
    published_at = serializers.DateTimeField(help_text="when it was published")
    log = PublicationLogSerializer(allow_null=True, help_text="the signed log entry that covers these figures")


class FiguresBasisSerializer(serializers.Serializer):  # type: ignore[type-arg]
    basis = serializers.CharField(
        allow_null=True,
        help_text="as_of: supply pinned at the attestation's as-of instant against the reserves attested then; "
        "latest_no_block_at_as_of: the chain had no block that old; latest_as_of_unread: the attestation's as-of "
        "supply is not read yet (or its node could not serve it), so the latest supply stands in; latest: no "
        "attestation to pin to",
    )
    # "label" as the JSON key; DRF's own Field.label is unused on these documentation-only serializers.
    label = serializers.CharField(allow_null=True, help_text="the same in words")  # type: ignore[assignment]


class IndicativeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="says what this is: the latest supply against the last attested reserves"
    )
    outstanding = amount_field(None, "tokens outstanding at the latest blocks read")
    par_value_outstanding = amount_field(None, "outstanding x par value")
    reserves = amount_field(None, "the last attested eligible reserves")
    headroom = amount_field(None, "reserves - par value outstanding now (negative: shortfall); not a verdict")
    backing_ratio = amount_field(None, "reserves / par value outstanding now, cut to 12 places")
    backing_ratio_display = serializers.CharField(allow_null=True, help_text="the same cut to 4 places")
    blocks = BlockSerializer(many=True, help_text="the latest blocks read")
    run_id = serializers.IntegerField(help_text="the run that computed it (moves no flag)")


class FeedRoundSerializer(serializers.Serializer):  # type: ignore[type-arg]
    round_id = serializers.IntegerField(help_text="the feed's roundId")
    answer = serializers.CharField(help_text="the round's answer: eligible reserves in token base units (integer)")
    reserves = serializers.CharField(help_text="the same answer in tokens (answer / 10^decimals)")
    publication_id = serializers.IntegerField(help_text="the publication behind it: /api/v1/publications/{id}/")
    publication_hash = serializers.CharField(help_text="that publication's content_hash, as stored on chain")
    reason = serializers.CharField(help_text="first, deviation, heartbeat, or recovered (found on chain after a crash)")
    observed_at = serializers.DateTimeField(help_text="when the publication was evaluated (the round's startedAt)")
    updated_at = serializers.DateTimeField(help_text="when the round was posted (the round's updatedAt)")
    tx_hash = serializers.CharField(allow_null=True, help_text="the posting transaction (null: recovered)")
    block_number = serializers.IntegerField(allow_null=True, help_text="the block the round was posted in")
    block_hash = serializers.CharField(allow_null=True, help_text="that block's hash")


class FeedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField(help_text="the chain the feed is on")
    network = serializers.CharField(help_text="Attest's name for that network")
    address = serializers.CharField(help_text="the AttestReserveFeed (Chainlink AggregatorV3Interface)")
    token = serializers.CharField(help_text="the coin's token on that chain, whose decimals the feed carries")
    decimals = serializers.IntegerField(help_text="decimals of the answer (the token's)")
    description = serializers.CharField(help_text="the feed's description(), e.g. 'HKDA reserves (Attest)'")
    heartbeat_seconds = serializers.IntegerField(help_text="a new round at least this often while verified")
    deviation_bps = serializers.IntegerField(help_text="a move of more than this many basis points posts a round")
    guard_address = serializers.CharField(allow_null=True, help_text="a SecureMintGuard minting against the feed")
    last_round = FeedRoundSerializer(allow_null=True, help_text="the last round posted (null: none yet)")
    current_answer = serializers.CharField(
        allow_null=True,
        help_text="the answer the current publication gives the feed, in token base units (null: held back)",
    )
    held_back = serializers.CharField(
        allow_null=True, help_text="why nothing is posted now (the ripcord: unverified or stale), if so"
    )


class PublicationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    publication_id = serializers.IntegerField(help_text="the publication's id")
    symbol = serializers.CharField(help_text="the coin it is about")
    published_at = serializers.DateTimeField(help_text="when it was published")
    content_hash = serializers.CharField(
        help_text="SHA-256 (hex) of `content` as canonical JSON: sorted keys, separators ',' ':', UTF-8"
    )
    content = serializers.JSONField(help_text="what was published, exactly as hashed")
    log = PublicationLogSerializer(allow_null=True, help_text="its transparency-log entry, proof and signed head")


class StablecoinSerializer(_FiguresSerializer):
    """The shape of a coin's answer (documentation only: reserves/documents.py prepares it from the publications)."""

    symbol = serializers.CharField(help_text="ticker, the key of every per-coin URL")
    name = serializers.CharField(help_text="the coin's name")
    issuer = serializers.CharField(help_text="legal name of the issuer")
    currency = serializers.CharField(help_text="ISO 4217 reference currency")
    par_value = serializers.DecimalField(max_digits=20, decimal_places=6, help_text="reference currency per token")
    status = serializers.ChoiceField(choices=VERDICTS, help_text=VERDICT_HELP + " Headlines the worst licence.")
    status_label = serializers.CharField(help_text="the verdict in words: Fully backed, At risk, ...")
    status_reasons = ReasonSerializer(many=True, help_text="why the verdict is not backed (empty when backed)")
    backing_ratio_display = serializers.CharField(
        allow_null=True,
        help_text="the backing ratio cut (never rounded up) to 4 places, for display; compare with backing_ratio",
    )
    outstanding = OutstandingSerializer(help_text="tokens outstanding and the blocks read")
    figures_basis = FiguresBasisSerializer(help_text="the instant the verdict and its figures stand on")
    indicative = IndicativeSerializer(
        allow_null=True, help_text="the current indicative headroom beside the verdict (null: none); never the verdict"
    )
    reserves = ReservesSerializer(help_text="attested reserves and the attestation they come from")
    open_flags = FlagSerializer(many=True, help_text="unresolved findings of the rules under every licence")
    freshness = FreshnessSerializer(help_text="how current the chain data under these figures is")
    licences = LicenceSerializer(many=True, help_text="each licence's own answer, worst first")
    publication_id = serializers.IntegerField(allow_null=True, help_text="the publication headlined (null: none yet)")
    published_at = serializers.DateTimeField(allow_null=True, help_text="when it was published")
    evaluated_at = serializers.DateTimeField(allow_null=True, help_text="the instant its rules were judged at")
    run_id = serializers.IntegerField(allow_null=True, help_text="the run behind these figures")
    profile = serializers.CharField(allow_null=True, help_text="licence profile of the headline (empty: no licence)")
    rulepack_version = serializers.CharField(allow_null=True, help_text="version of the rules the run applied")
    input_hash = serializers.CharField(allow_null=True, help_text="SHA-256 of the run's canonical inputs (see bundle)")
    feeds = FeedSerializer(many=True, help_text="on-chain reserve feeds of the coin (docs/feeds.md)")
    links = LinksSerializer(help_text="related resources")


class HistoryPointSerializer(_FiguresSerializer):
    """One publication in the coin's history (documentation only: reserves/documents.py prepares it)."""

    publication_id = serializers.IntegerField(help_text="the publication this point is")
    published_at = serializers.DateTimeField(help_text="when it was published: what the public saw from then on")
    evaluated_at = serializers.DateTimeField(help_text="the instant its rules were judged at")
    profile = serializers.CharField(help_text="licence profile")
    status = serializers.ChoiceField(choices=VERDICTS, help_text=VERDICT_HELP)
    status_reasons = ReasonSerializer(many=True, help_text="why the verdict is not backed")
    outstanding = amount_field(None, "tokens outstanding")
    par_value_outstanding = amount_field(None, "outstanding x par value, reference currency")
    reserves = amount_field(None, "attested eligible reserves, reference currency")
    attestation_version = serializers.IntegerField(allow_null=True, help_text="attestation version relied on")
    attestation_status = serializers.CharField(help_text="its review state when published")
    run_id = serializers.IntegerField(allow_null=True, help_text="the run behind it (null: the run failed)")
    freshness = serializers.CharField(help_text="fresh, stale, degraded or no_data when published")
    blocks = BlockSerializer(many=True, help_text="the pinned blocks the outstanding figure was read at")
    log_index = serializers.IntegerField(
        allow_null=True, help_text="the log entry recording it (/api/v1/log/proof/inclusion/?index=)"
    )
    tree_size = serializers.IntegerField(allow_null=True, help_text="the signed head issued with it covers this many")


class SupplyRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField(help_text="EIP-155 chain id")
    network = serializers.CharField(help_text="the network's registered name")
    contract = serializers.CharField(help_text="token contract address of the deployment")
    kind = serializers.CharField(help_text="native, bridged or proxy")
    bucket = serializers.CharField(
        help_text="total_supply (the contract's totalSupply()), or a deduction bucket: treasury, frozen, ..."
    )
    holder = serializers.CharField(help_text="the deduction address read (empty for total_supply)")
    raw = serializers.CharField(help_text="integer base units as read, as a decimal string")
    amount = amount_field(None, "raw scaled by the token's decimals", allow_null=False)
    counted_as_outstanding = serializers.BooleanField(
        help_text="true for total_supply; for a bucket, whether the latest run kept it in outstanding"
    )
    block_number = serializers.IntegerField(help_text="block the value was read at")
    block_hash = serializers.CharField(help_text="hash of that block (each call was pinned to it)")
    block_time = serializers.DateTimeField(help_text="timestamp of that block")
    read_at = serializers.DateTimeField(help_text="when it was read")
    age_seconds = serializers.IntegerField(help_text="seconds since read_at")
    freshness = serializers.CharField(help_text="fresh, or stale when read_at is older than CHAIN_STALE_AFTER")
    cross_checked = serializers.BooleanField(
        help_text="whether a second RPC URL of the network read the same block hash and values (false: single source)"
    )


class SupplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    symbol = serializers.CharField(help_text="the coin")
    freshness = FreshnessSerializer(help_text="the coin's chain data as a whole")
    results = SupplyRowSerializer(many=True, help_text="one row per deployment and bucket, newest reading each")


class HoldingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField(help_text="line number in the attestation")
    asset_class = serializers.CharField(help_text="cash, tbill, govt_mmf, ... (regulation.md §11.3)")
    custodian = serializers.CharField(help_text="who holds the asset")
    currency = serializers.CharField(help_text="ISO 4217 currency of the holding")
    market_value = amount_field(None, "market value in that currency", allow_null=False)


class SignatureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    signer = serializers.CharField(help_text="who signed: issuer officer or auditor")
    role = serializers.CharField(help_text="issuer or auditor")
    algorithm = serializers.CharField(help_text="signature scheme, e.g. eip712 or ed25519")
    public_key = serializers.CharField(help_text="key or address that verifies the signature")
    signature = serializers.CharField(help_text="the signature over the attestation's canonical JSON")
    payload_sha256 = serializers.CharField(help_text="SHA-256 of the canonical JSON that was signed")
    signed_at = serializers.DateTimeField(allow_null=True, help_text="when it was signed")


class AttestationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="version number; a restatement supersedes a lower one")
    status = serializers.CharField(help_text="review state: submitted, accepted, changes_requested or rejected")
    supersedes_version = serializers.IntegerField(
        source="supersedes.version", allow_null=True, help_text="the version this one restates, if any"
    )
    amendment_reason = serializers.CharField(help_text="why it restates an earlier version")
    report_type = serializers.CharField(help_text="daily_statement, monthly_report, attestation, audit, ...")
    as_of = serializers.DateTimeField(help_text="the instant the holdings are stated at")
    submitted_at = serializers.DateTimeField(allow_null=True, help_text="when the issuer submitted it")
    assurer_name = serializers.CharField(help_text="the accounting firm, if any")
    engagement_type = serializers.CharField(help_text="examination, review, agreed_upon_procedures or audit")
    opinion = serializers.CharField(help_text="the assurer's opinion, if any")
    total_reserves = amount_field(None, "sum of the holdings' market values (all currencies as stated)")
    document_sha256 = serializers.CharField(help_text="SHA-256 of the accountant's report (empty if none)")
    signatures = SignatureSerializer(
        source="public_signatures", many=True, help_text="signatures over the attestation (empty until signed)"
    )
    holdings = HoldingSerializer(many=True, help_text="the reserve lines")


class RunSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(help_text="run id")
    symbol = serializers.CharField(source="stablecoin.symbol", help_text="the coin")
    created_at = serializers.DateTimeField(help_text="when the run was computed")
    trigger = serializers.CharField(help_text="attestation, supply, schedule or manual")
    profile = serializers.CharField(help_text="rule-pack profile")
    rulepack_version = serializers.CharField(help_text="version of the rules applied")
    input_hash = serializers.CharField(help_text="SHA-256 of the canonical JSON of the inputs")
    status = serializers.CharField(help_text="backed, under_collateralised, no_attestation or no_supply")
    backing_ratio = ExactAmountField(places=12, source="ratio", allow_null=True, help_text="reserves / par outstanding")
    outstanding = amount_field(None, "tokens outstanding")
    par_value_outstanding = amount_field("par_outstanding", "outstanding x par value")
    reserves = amount_field(None, "attested eligible reserves")
    headroom = amount_field(None, "reserves - par value outstanding")


class RunSerializer(RunSummarySerializer):
    blocks = BlockSerializer(many=True, help_text="the pinned blocks the readings were taken at")
    results = serializers.JSONField(help_text="per-rule results: rule, outcome, severity, message, figures")
    inputs = serializers.JSONField(help_text="everything the run was computed from (see the bundle)")
    bundle = serializers.CharField(help_text="URL of the reproducibility bundle")


class BundleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    format = serializers.CharField(help_text="bundle format id, attest-run-bundle/1")
    run = RunSummarySerializer(help_text="the run as stored")
    inputs = serializers.JSONField(
        help_text=(
            "the run's inputs: readings (chain id, block number and hash, contract address, decimals, totalSupply "
            "and every deduction balance with its address), attestation holdings, par value, buckets kept, "
            "rule-pack version"
        )
    )
    outputs = serializers.JSONField(help_text="the stored outputs, in the shape reserves.compute.compute returns")
    verify = serializers.CharField(help_text="how to re-check it: the verifyrun command")


class AuditHeadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    seq = serializers.IntegerField(help_text="sequence number of the newest audit-log entry (0: empty log)")
    hash = serializers.CharField(help_text="its entry hash: SHA-256 chaining every entry before it")
    at = serializers.DateTimeField(allow_null=True, help_text="when that entry was appended")
