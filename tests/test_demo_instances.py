"""Two `make demo`s on one machine share no Celery queue and no Redis key: each is named by its port."""

from __future__ import annotations

import importlib.util
import runpy
from pathlib import Path

import pytest
import redis
from celery import Celery

from attest.locks import single_flight

REPO = Path(__file__).resolve().parent.parent


def _demo_module():
    spec = importlib.util.spec_from_file_location("demo_script", REPO / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_demos_get_their_own_directory_queue_and_key_prefix():
    demo = _demo_module()
    a, b = demo.instance_env(8000, {}), demo.instance_env(8123, {})
    assert a["CELERY_QUEUE"] != b["CELERY_QUEUE"] and a["REDIS_KEY_PREFIX"] != b["REDIS_KEY_PREFIX"]
    assert demo.demo_dir(8000, None) != demo.demo_dir(8123, None)


def _settings_of(env: dict[str, str]) -> dict[str, object]:
    """config/settings.py evaluated under a demo instance's environment (what its processes would read)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return runpy.run_path(str(REPO / "config" / "settings.py"))


def test_every_key_a_demo_writes_in_redis_starts_with_its_prefix(settings):
    demo = _demo_module()
    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    instances = [demo.instance_env(port, {}) for port in (8000, 8123)]
    before = set(client.keys("*"))
    for env in instances:
        # What a demo's web process and beat do: send a task to its queue (Celery's queue and binding keys),
        # and what its worker does: take a lock.
        conf = _settings_of({**env, "REDIS_URL": settings.REDIS_URL, "DEBUG": "1"})
        app = Celery("demo-instance")
        app.conf.update(
            broker_url=conf["CELERY_BROKER_URL"],
            broker_transport_options=conf["CELERY_BROKER_TRANSPORT_OPTIONS"],
            task_default_queue=conf["CELERY_TASK_DEFAULT_QUEUE"],
        )
        app.send_task("jobs.tasks.outbox_relay_task")
        app.close()
        settings.REDIS_KEY_PREFIX = conf["REDIS_KEY_PREFIX"]
        with single_flight("probe") as held:
            assert held
            written_now = set(client.keys("*")) - before
            assert any("attest:lock:" in k for k in written_now)
    written = set(client.keys("*")) - before
    try:
        mine = {p["REDIS_KEY_PREFIX"]: {k for k in written if k.startswith(p["REDIS_KEY_PREFIX"])} for p in instances}
        assert all(mine.values()), mine
        assert set().union(*mine.values()) == written  # nothing outside the two prefixes
        queues = {p["REDIS_KEY_PREFIX"] + p["CELERY_QUEUE"] for p in instances}
        assert queues <= written  # each demo's queue, under its own prefix
    finally:
        if written:
            client.delete(*written)
