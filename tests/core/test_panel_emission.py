"""SRV-3 in core: the panel messages are written by ``outbox.emit_many`` in the change's own
transaction, with one look-up for all of a call's services, never one per service."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event
from sqlmodel import select
from tests.conftest import make_ctx
from tests.core.billing_setup import add_catalogue, add_client, add_services

from hostctl.core import servers, service_state
from hostctl.core.secret import SecretError
from hostctl.models import OutboxMessage


@pytest.fixture
def on_panel(session):
    add_catalogue(session)
    client = add_client(session, "ana@example.com")
    ctx = make_ctx("2026-01-10")
    servers.add_server(
        session, ctx, "web3", panel="whm", url="https://web3.example.com:2087", api_user=None,
        ca_file=None,
    )  # fmt: skip
    found = add_services(session, client, 40)
    for i, service in enumerate(found):
        service.server = "web3" if i % 4 else "web9"  # web9: a name with no server row
        service.panel_username = f"u{i}" if i % 8 else None  # some without an account
    session.flush()
    return found


def _statements(session):
    seen: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(engine, "before_cursor_execute", count)


def test_one_look_up_for_all_the_services_of_a_suspension(session, on_panel):
    ids = [s.id for s in on_panel]
    seen, stop = _statements(session)
    try:
        service_state.suspend(session, make_ctx("2026-02-01"), ids, "abuse")
    finally:
        stop()
    # one look-up of the services on panels, whatever their number, after the one check
    # whether any server is driven by a panel yet
    assert sum("JOIN servers" in s for s in seen) == 1
    assert sum("servers" in s for s in seen) == 2
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "panel")).all()
    expected = [s for i, s in enumerate(on_panel) if i % 4 and i % 8]
    assert sorted(r.service_id for r in rows) == sorted(s.id for s in expected)
    first = json.loads(rows[0].payload)
    assert first == {
        "server": "web3",
        "action": "suspend",
        "user": first["user"],
        "reason": "abuse",
    }
    assert {r.event for r in rows} == {"service.suspended"}


def test_events_before_the_panel_was_given_send_nothing(session, on_panel):
    seen, stop = _statements(session)
    try:
        service_state.suspend(session, make_ctx("2026-01-09"), [s.id for s in on_panel], "abuse")
    finally:
        stop()
    assert session.exec(select(OutboxMessage).where(OutboxMessage.channel == "panel")).all() == []
    # no server had a panel that day: the services were not looked up on any
    assert sum("servers" in s for s in seen) == 1
    assert not any("JOIN servers" in s for s in seen)


def test_token_variable_and_tokens_file(tmp_path, monkeypatch):
    assert servers.token_variable("web-3.example") == "HOSTCTL_PANEL_TOKEN_WEB_3_EXAMPLE"
    tokens = tmp_path / "tokens"
    tokens.write_text("# comment\nother = nope\nweb3 =  s3cr3t  \n", encoding="utf-8")
    tokens.chmod(0o600)
    monkeypatch.delenv("HOSTCTL_PANEL_TOKEN_WEB3", raising=False)
    assert servers.read_token("web3", str(tokens)).reveal() == "s3cr3t"
    assert servers.read_token("web4", str(tokens)) is None
    monkeypatch.setenv("HOSTCTL_PANEL_TOKEN_WEB3", "from-env")
    assert servers.read_token("web3", str(tokens)).reveal() == "from-env"
    monkeypatch.delenv("HOSTCTL_PANEL_TOKEN_WEB3")
    tokens.chmod(0o604)
    with pytest.raises(SecretError, match="may be read by others than its owner"):
        servers.read_token("web3", str(tokens))
