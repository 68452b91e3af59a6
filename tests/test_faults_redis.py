"""Redis is not a single point of failure: a private Redis stopped for a while and started again.

A real gunicorn, a Celery worker (prefork) and beat run against the test database and a redis-server of the
test's own on a free port (the shared Redis is never touched). While Redis is down: every public page and
API route answers (throttling fails open), the issuer's submit through the API succeeds, and freshness turns
stale rather than claiming fresh figures. Once Redis is back, the submit's pinned run happens, once.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attest.models import AttestationStatus
from attest.tests.conftest import alpha_signed_draft
from chain.blocks import block_by_number
from chain.models import SupplyReading
from chain.tests.helpers import deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, head, mine, send
from jobs.models import OutboxMessage
from jobs.tasks import attestation_reconcile_task
from reserves.models import ReconciliationRun
from tests.processes import (
    RedisServer,
    celery_beat,
    celery_worker,
    database_url_of_tests,
    free_port,
    gunicorn,
    service_env,
    stop_all,
    wait_until,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
OWNER, HOLDER = DEV_ACCOUNTS[:2]
STALE_AFTER = 4


def _get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _freshness(port: int) -> dict[str, object]:
    status, body = _get(port, "/api/v1/stablecoins/ALPHA/")
    assert status == 200, body[:500]
    return dict(json.loads(body)["freshness"])


def _honest(port: int) -> str:
    """The coin's freshness status, checked against the newest reading in the database."""
    asked_at = timezone.now()  # the server judged at or after this instant
    fresh = _freshness(port)
    newest = SupplyReading.objects.order_by("-read_at").values_list("read_at", flat=True).first()
    if newest is not None and (asked_at - newest).total_seconds() > STALE_AFTER + 1:
        assert fresh["status"] != "fresh", f"fresh figures claimed from a reading at {newest}: {fresh}"
    return str(fresh["status"])


def test_with_redis_down_pages_answer_the_submit_succeeds_and_its_pinned_run_happens_once_redis_returns(
    issuer_alice, alpha, auditor_dan, tmp_path
):
    chain = Anvil(chain_id=31339)
    redis_server = RedisServer()
    processes = []
    try:
        token = deploy_stablecoin(chain.rpc, name="A", symbol="ALPHA", decimals=6, owner=OWNER, proxied=False)
        send(chain.rpc, token, "mint(address,uint256)", [HOLDER, 990_000 * 10**6], sender=OWNER)
        mine(chain.rpc, 2)
        deployment(alpha, network(chain, confirmations=0), token, decimals=6)
        # As of the head's own time: a wall-clock instant could fall before the token's first block (blocks
        # carry whole seconds), and the pinned read would then find no contract there.
        as_of = block_by_number(chain.rpc, head(chain.rpc)).time
        chain.rpc.call("evm_setIntervalMining", [1])  # the head moves on, so every read is a new reading
        draft = alpha_signed_draft(issuer_alice, alpha, auditor_dan, as_of=as_of, chain_id=31339)
        key = Token.objects.create(user=issuer_alice).key

        web_port = free_port()
        env = service_env(
            redis_url=redis_server.url(),
            database_url=database_url_of_tests(),
            queue=f"attest-fault-{uuid.uuid4().hex[:8]}",
            SUPPLY_READ_INTERVAL="1",
            OUTBOX_RELAY_INTERVAL="1",
            CHAIN_STALE_AFTER=str(STALE_AFTER),
            API_ANON_RATE="100000/minute",  # on, so every request asks Redis; high, so the test is never refused
            API_CACHE_SECONDS="0",
            # Short limits: a message sent and not done within its task's hard limit (12 s) plus grace is sent again.
            TASK_TIME_LIMIT_SCALE="0.1",
        )
        web = gunicorn(env, web_port)
        worker = celery_worker("fault-worker", env)
        beat = celery_beat(env, tmp_path / "beat-schedule")
        processes += [beat, worker, web]
        worker.wait_for_output("ready.")
        web.wait_for_output("Booting worker")
        wait_until(lambda: _honest(web_port) == "fresh", timeout=60, what="fresh figures before the outage")

        redis_server.stop()
        down_at = time.monotonic()
        run_id = ReconciliationRun.objects.values_list("pk", flat=True).first()
        routes = [
            "/",
            "/coins/ALPHA/",
            "/login/",
            "/api/v1/stablecoins/",
            "/api/v1/stablecoins/ALPHA/",
            "/api/v1/stablecoins/ALPHA/history/",
            "/api/v1/stablecoins/ALPHA/supply/",
            "/api/v1/stablecoins/ALPHA/attestations/",
            "/api/v1/stablecoins/ALPHA/runs/",
            f"/api/v1/runs/{run_id}/",
            f"/api/v1/runs/{run_id}/bundle/",
            "/api/v1/audit/head/",
            "/api/schema/",
            "/api/docs/",
        ]
        for path in routes:
            status, body = _get(web_port, path)
            assert status == 200, (path, status, body[:300])

        # The issuer submits while Redis is down: success, and the work it implies waits in the outbox.
        status, body = _get(
            web_port,
            f"/api/v1/issuer/attestations/{draft.pk}/submit/",
            headers={"Authorization": f"Token {key}"},
            method="POST",
        )
        assert status == 200, body[:500]
        draft.refresh_from_db()
        assert draft.status == AttestationStatus.SUBMITTED
        [message] = OutboxMessage.objects.filter(task=attestation_reconcile_task.name)
        assert message.done_at is None
        assert not ReconciliationRun.objects.filter(attestation=draft, trigger="attestation").exists()

        # Nothing is read while the broker is away: the figures age, and say so.
        wait_until(lambda: _honest(web_port) == "stale", timeout=30, what="stale figures during the outage")
        for path in routes:
            assert _get(web_port, path)[0] == 200, path
        assert "failing open" in web.output()
        outage = time.monotonic() - down_at

        redis_server.start()
        wait_until(
            lambda: ReconciliationRun.objects.filter(attestation=draft, trigger="attestation").exists(),
            timeout=60,
            what="the submit's pinned run after Redis came back",
        )
        wait_until(lambda: _honest(web_port) == "fresh", timeout=60, what="fresh figures after the outage")
        # The run is visible before its task returns, marks the message done and is logged as succeeded.
        finished = re.compile(rf"attestation_reconcile_task\[outbox-{message.pk}\] succeeded in [0-9.]+s: \d+")
        wait_until(lambda: finished.search(worker.output()), timeout=30, what="the task to finish")
        message.refresh_from_db()
        assert message.done_at is not None and not message.error
        # Once: its task ran once (a second delivery, had the outbox sent it again, is skipped and returns None);
        # its runs are the as-of run and the coin's current state after it, never a second run of the same inputs.
        assert message.sends >= 1
        assert len(finished.findall(worker.output())) == 1
        runs = ReconciliationRun.objects.filter(attestation=draft, trigger="attestation")
        assert runs.filter(inputs__readings_basis="as_of").exists()  # supply read at the attestation's own block
        assert runs.count() == runs.values("profile", "input_hash").distinct().count() >= 1
        assert outage > STALE_AFTER
        assert " 500 " not in web.output()
    except BaseException:
        for process in processes:
            print(f"---- {process.name}\n{process.output()[-4000:]}")
        raise
    finally:
        stop_all(processes)
        redis_server.stop()
        chain.stop()
