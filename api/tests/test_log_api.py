"""The transparency log's endpoints, and a coin's answer checked offline against its signed log entry."""

from __future__ import annotations

import copy
import secrets

import pytest
from django.test import Client

from tests import api_data
from tests.logtamper import monitor_module

pytestmark = pytest.mark.django_db
MONITOR = monitor_module()


def test_a_published_answer_carries_a_signed_entry_a_wallet_can_check_offline():
    coin, _ = api_data.coin(f"L{secrets.token_hex(3).upper()}")
    client = Client()
    answer = client.get(f"/api/v1/stablecoins/{coin.symbol}/").json()
    keys = {k["key_id"]: k["public_key"] for k in client.get("/api/v1/log/keys/").json()}
    [licence] = answer["licences"]
    log = MONITOR.answer_check(licence, keys)
    assert log["entry"]["payload"]["figures"]["reserves"] == licence["reserves"] is not None
    assert log["entry"]["payload"]["blocks"] == answer["outstanding"]["blocks"]
    # One changed figure, or a head signed by anyone else, and the answer no longer checks.
    forged = copy.deepcopy(licence)
    forged["reserves"] = "999999999"
    with pytest.raises(MONITOR.Tampered, match="reserves"):
        MONITOR.answer_check(forged, keys)
    with pytest.raises(MONITOR.Tampered, match="does not trust"):
        MONITOR.answer_check(licence, {})
    publication = client.get(f"/api/v1/publications/{licence['publication_id']}/").json()
    assert publication["log"] == log and publication["content_hash"] == log["entry"]["payload"]["content_hash"]
    # The history point names the same entry; the current head still includes it.
    [point] = client.get(f"/api/v1/stablecoins/{coin.symbol}/history/").json()["results"]
    assert point["log_index"] == log["index"] and point["tree_size"] == log["index"] + 1
    head = client.get("/api/v1/log/head/").json()
    proof = client.get("/api/v1/log/proof/inclusion/", {"index": log["index"]}).json()
    leaf = MONITOR.leaf_hash(MONITOR.canonical(log["entry"]))
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert MONITOR.inclusion_verify(log["index"], head["tree_size"], leaf, path, bytes.fromhex(head["root_hash"]))
    old = log["tree_head"]
    consistency = client.get("/api/v1/log/proof/consistency/", {"first": old["tree_size"]}).json()
    assert MONITOR.consistency_verify(
        old["tree_size"],
        head["tree_size"],
        bytes.fromhex(old["root_hash"]),
        bytes.fromhex(head["root_hash"]),
        [bytes.fromhex(h) for h in consistency["consistency_path"]],
    )


def test_sizes_beyond_the_newest_head_are_404_and_ranges_are_capped():
    api_data.coin(f"L{secrets.token_hex(3).upper()}")
    client = Client()
    size = client.get("/api/v1/log/head/").json()["tree_size"]
    assert client.get("/api/v1/log/proof/inclusion/", {"index": size}).status_code == 404
    assert client.get("/api/v1/log/proof/consistency/", {"first": 1, "second": size + 1}).status_code == 404
    assert client.get("/api/v1/log/entries/", {"start": -1}).status_code == 400
    entries = client.get("/api/v1/log/entries/", {"start": 0, "end": 5000}).json()
    assert entries["start"] == 0 and entries["end"] == len(entries["entries"]) == min(size, 1000)


class _ClientApi:
    """The monitor's Api over Django's test client (no server needed)."""

    def get(self, path: str, **params: int) -> object:
        return Client().get(f"/api/v1/{path}", params).json()


def test_the_monitor_rederives_a_run_from_its_public_bundle():
    _, run = api_data.coin(f"L{secrets.token_hex(3).upper()}")
    assert MONITOR.run_check(_ClientApi(), run.pk, None) == f"run {run.pk}: inputs hash to its input_hash"
