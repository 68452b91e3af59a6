"""Run by tests/test_sqlite_end_to_end.py in a process of its own, on a fresh SQLite file (the embedded
default): a 10**30-base-unit coin (18 decimals) minted on its own anvil, attested, read, reconciled,
published, then read back from the database, the public API, the public page and ``verifyrun``.
Prints one JSON line of what it found.
"""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from celery import current_app  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from attest.models import Licence, Membership, Role  # noqa: E402
from attest.services import HoldingInput, attestation_create  # noqa: E402
from chain.services import supply_read_network  # noqa: E402
from chain.tests.helpers import coin, deployment, network  # noqa: E402
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, mine, send  # noqa: E402
from jobs import workflows  # noqa: E402
from reserves.services import stablecoin_reconcile  # noqa: E402

RAW, DECIMALS, RESERVES = 10**30 + 1, 18, "1000000000000000000"


def main() -> None:
    assert connection.vendor == "sqlite", connection.vendor
    setup_test_environment()
    call_command("migrate", verbosity=0)
    current_app.conf.task_always_eager = True
    owner, holder = DEV_ACCOUNTS[:2]
    with Anvil(chain_id=31337) as node:
        token = deploy_stablecoin(node.rpc, name="Big", symbol="BIGC", decimals=DECIMALS, owner=owner, proxied=True)
        send(node.rpc, token, "mint(address,uint256)", [holder, RAW], sender=owner)
        mine(node.rpc, 1)
        stablecoin = coin("BIGC", "USD")
        Licence.objects.create(stablecoin=stablecoin, profile="HK", licence_id="BIG-1")
        net = network(node, confirmations=0)
        deployment(stablecoin, net, token, decimals=DECIMALS, kind="proxy")
        user = get_user_model().objects.create_user(username="big-staff")
        Membership.objects.create(user=user, role=Role.ISSUER, issuer=stablecoin.issuer)
        holdings = [HoldingInput("demand_deposit", "Big Bank", "USD", Decimal(RESERVES))]
        attestation = attestation_create(
            user=user, stablecoin=stablecoin, as_of=timezone.now(), as_of_timezone="UTC", holdings=holdings
        )
        workflows.attestation_submit(user=user, attestation=attestation)
        [reading] = supply_read_network(network=net, stablecoin=stablecoin)
        [run] = stablecoin_reconcile(stablecoin=stablecoin, trigger="supply")
        run.refresh_from_db()
        reading.refresh_from_db()
        client = Client()
        body = client.get("/api/v1/stablecoins/BIGC/").json()
        page = client.get("/coins/BIGC/").content.decode()
        verified = io.StringIO()
        call_command("verifyrun", str(run.pk), "--rpc", node.url, stdout=verified)
    print(
        json.dumps(
            {
                "total_supply": str(reading.total_supply),
                "run_outstanding": format(run.outstanding, "f"),
                "api_outstanding": body["outstanding"]["amount"],
                "api_reserves": body["reserves"]["amount"],
                "single_source": body["freshness"]["single_source"],
                "page_has_outstanding": f"{int(run.outstanding):,}" in page,
                "verifyrun": verified.getvalue().strip(),
            }
        )
    )


if __name__ == "__main__":
    main()
