"""SRV-4 / NOT-2 with real processes: `daily` (which sends when its day is done) and two
`notify send` started at the same moment share the panel messages; each call reaches the
panel exactly once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter

from tests.e2e.test_startup_and_concurrency import HOSTCTL

from billing_helpers import add_client, order, pay, setup_catalogue
from hostctl import db
from panels import FakePanel, PanelAccount, PanelServer

TOKEN = "race-token-2718281828"
SERVICES = 16


def test_daily_and_notify_send_at_once_call_the_panel_once_each(cli, db_url, tmp_path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10", quantity=SERVICES)
    pay(cli, placed["invoice"]["id"], placed["invoice"]["total"], "2026-01-10")
    ids = [s["id"] for s in placed["services"]]
    users = {service_id: f"acct{service_id}" for service_id in ids}
    panel = FakePanel(
        "whm", TOKEN, accounts={u: PanelAccount(f"{u}.example.com") for u in users.values()}
    )
    panel.delay = 0.05  # each call takes a while: the senders overlap
    with PanelServer(panel):
        added = cli(
            "server", "add", "web3", "--panel", "whm", "--url", panel.url, today="2026-01-10"
        )
        assert added.exit_code == 0
        for service_id, user in users.items():
            args = ("service", "set-server", str(service_id), "web3", "--username", user)
            assert cli(*args).exit_code == 0
            args = ("service", "suspend", str(service_id), "--reason", "abuse", "--yes")
            assert cli(*args, today="2026-02-01").exit_code == 0
        db.dispose_all()
        env = {
            **os.environ,
            "HOSTCTL_DATABASE_URL": db_url,
            "HOSTCTL_TODAY": "2026-02-01",
            "HOSTCTL_PANEL_TOKEN_WEB3": TOKEN,
        }
        commands = [
            [HOSTCTL, "daily", "--json"],
            [HOSTCTL, "notify", "send", "--json"],
            [HOSTCTL, "notify", "send", "--json"],
        ]
        procs = [
            subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in commands
        ]
        results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    sent = json.loads(results[0][0])["alerts_sent"] + sum(
        json.loads(out)["sent"] for out, _err in results[1:]
    )
    assert sent == SERVICES
    calls = Counter(dict(r["query"])["user"] for r in panel.requests)
    assert calls == Counter(set(users.values()))  # every account once, none twice
    assert all(a.suspended for a in panel.accounts.values())
    statuses = {m["status"] for m in cli.json("notify", "list", "--channel", "panel")}
    assert statuses == {"sent"}
