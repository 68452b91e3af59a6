"""Workers die cleanly: two Celery workers as two hosts, one killed (SIGKILL) mid-read, one mid-reconciliation.

Each worker runs in a network namespace of its own (``tests/netns.py``), against the same PostgreSQL (through a
relay on the bridge) and a private Redis bound to the bridge address. The chain's RPC goes through a proxy that
can hold ``eth_call`` answers, so the test knows a worker is in the middle of its work when it kills it. Beat
relays the outbox every second. The lease frees the network within ``LOCK_LEASE_SECONDS``, the outbox sends
the lost message again after its task's hard limit, the other worker finishes it; the database rows show that
nothing was lost and nothing ran twice.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from attest import services as attest_services
from attest.locks import lock_key
from attest.models import Attestation
from attest.tests.conftest import alpha_signed_draft
from chain.models import SupplyReading
from chain.tests.helpers import deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, mine, send
from jobs.models import OutboxMessage
from jobs.tasks import attestation_reconcile_task, read_network_task
from reserves.models import ReconciliationRun
from tests.netns import Hosts, Relay, RpcProxy, netns_available
from tests.processes import Process, RedisServer, celery_beat, celery_worker, service_env, stop_all, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(not netns_available(), reason="needs root and `ip netns`"),
]
OWNER, HOLDER = DEV_ACCOUNTS[:2]
LEASE = 2


def _holder_of(worker_lock: str, client: redis.Redis, workers: list[Process]) -> Process:
    """The worker whose process (or pool child) holds the lease: its value names host and pid."""
    value = wait_until(lambda: client.get(worker_lock), timeout=30, what="a worker to take the read's lease")
    pid = int(value.decode().split(":")[1])
    [holder] = [w for w in workers if os.getpgid(pid) == w.popen.pid]
    return holder


def _received(worker: Process, task_id: str) -> bool:
    return f"[{task_id}] received" in worker.output()


def _succeeded(worker: Process, task_id: str) -> int | None:
    found = re.search(rf"\[{re.escape(task_id)}\] succeeded in [0-9.]+s: (\d+)", worker.output())
    return int(found.group(1)) if found else None


def test_a_worker_killed_mid_read_and_one_killed_mid_reconciliation_lose_nothing_and_run_nothing_twice(
    issuer_alice, alpha, auditor_dan, tmp_path
):
    chain = Anvil(chain_id=31341)
    workers: list[Process] = []
    others: list[object] = []
    with Hosts(3) as hosts:
        try:
            redis_server = RedisServer(bind=[hosts.address, "127.0.0.1"])
            others.append(redis_server)
            from django.db import connection

            db = connection.settings_dict
            pg = Relay((hosts.address, 0), (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
            proxy = RpcProxy((hosts.address, 0), chain.url)
            others += [pg, proxy]

            token = deploy_stablecoin(chain.rpc, name="A", symbol="ALPHA", decimals=6, owner=OWNER, proxied=False)
            send(chain.rpc, token, "mint(address,uint256)", [HOLDER, 990_000 * 10**6], sender=OWNER)
            mine(chain.rpc, 2)
            net = network(chain, confirmations=0, rpc_urls=[proxy.url])
            dep = deployment(alpha, net, token, decimals=6)

            env = service_env(
                redis_url=redis_server.url(hosts.address),
                database_url=f"postgres://{db['USER']}@{hosts.address}:{pg.port}/{db['NAME']}",
                queue=f"attest-hosts-{uuid.uuid4().hex[:8]}",
                # Short limits, so the outbox sends a lost message again within seconds (read: 6 s hard + 1.5 s).
                TASK_TIME_LIMIT_SCALE="0.05",
                LOCK_LEASE_SECONDS=str(LEASE),
                OUTBOX_RELAY_INTERVAL="1",
                # Nothing periodic but the relay: the test sets every piece of work off itself.
                SUPPLY_READ_INTERVAL="3600",
                RECONCILE_INTERVAL="3600",
                LEDGER_INDEX_INTERVAL="3600",
                REORG_CHECK_INTERVAL="3600",
            )
            # Three hosts: one is killed mid-read, another mid-reconciliation; each time another finishes the work.
            workers += [celery_worker(f"host{i}", env, prefix=hosts.prefix(i)) for i in (0, 1, 2)]
            beat = celery_beat(env, tmp_path / "beat-schedule")
            others.append(beat)
            for worker in workers:
                worker.wait_for_output("ready.")
            client = redis.Redis.from_url(redis_server.url())

            # ---- killed mid-read ------------------------------------------------------------------------
            with proxy.holding():
                read = OutboxMessage.objects.create(
                    task=read_network_task.name, args=[net.pk], dedupe_key=f"test-read-{net.pk}"
                )
                victim = _holder_of(lock_key(f"read-network:{net.pk}"), client, workers)
                assert proxy.held.wait(30), "the read never reached its eth_call"
                victim.kill()
            assert not SupplyReading.objects.exists()  # the killed read committed nothing
            alive = [w for w in workers if w is not victim]
            task_id = f"outbox-{read.pk}"
            survivor = wait_until(
                lambda: next((w for w in alive if _succeeded(w, task_id) is not None), None),
                timeout=60,
                what="another host to finish the read",
            )
            assert _succeeded(survivor, task_id) == 1
            read.refresh_from_db()
            assert read.done_at is not None and read.sends == 2 and not read.error
            readings = SupplyReading.objects.filter(deployment=dep)
            assert readings.count() == readings.values("block_hash").distinct().count() == 1

            # ---- killed mid-reconciliation ------------------------------------------------------------
            pair = alive
            mine(chain.rpc, 2)
            time.sleep(1.1)  # the as-of instant after those blocks: its pinned read is not the one stored above
            draft = _signed_draft(issuer_alice, alpha, auditor_dan)
            with proxy.holding():
                # The submit as its workflow does it, the outbox row written here so beat's relay sends it.
                attest_services.attestation_submit(user=issuer_alice, attestation=draft)
                job = OutboxMessage.objects.create(
                    task=attestation_reconcile_task.name, args=[draft.pk], dedupe_key=f"test-att-{draft.pk}"
                )
                task_id = f"outbox-{job.pk}"
                victim = wait_until(
                    lambda: next((w for w in pair if _received(w, task_id)), None),
                    timeout=30,
                    what="a worker to take the reconciliation",
                )
                assert proxy.held.wait(30), "the reconciliation never reached its pinned read"
                victim.kill()
            assert not ReconciliationRun.objects.filter(attestation=draft, trigger="attestation").exists()
            survivor = next(w for w in pair if w is not victim)
            made = wait_until(lambda: _succeeded(survivor, task_id), timeout=60, what="the survivor's reconciliation")
            job.refresh_from_db()
            assert job.done_at is not None and job.sends == 2 and not job.error
            runs = ReconciliationRun.objects.filter(attestation=draft, trigger="attestation")
            # Exactly the runs of one reconciliation: none from the killed worker, none made twice.
            assert runs.count() == made >= 1
            assert runs.values("profile", "input_hash").distinct().count() == made
            for worker in workers:
                assert worker is victim or "Traceback" not in worker.output(), worker.output()[-3000:]
        except BaseException:
            for process in [*workers, *(o for o in others if isinstance(o, Process))]:
                print(f"---- {process.name}\n{process.output()[-4000:]}")
            raise
        finally:
            stop_all([*workers, *(o for o in others if isinstance(o, Process))])
            for other in reversed(others):
                other.stop() if hasattr(other, "stop") else other.close()  # type: ignore[attr-defined]
            chain.stop()


def _signed_draft(user, coin, auditor) -> Attestation:
    return alpha_signed_draft(user, coin, auditor, as_of=timezone.now() - timedelta(milliseconds=100), chain_id=31341)
