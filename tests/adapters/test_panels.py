"""The panel drivers against a loopback panel speaking WHM API 1 and the CWP API as
documented: the exact requests they make, and how every answer maps to an outcome
(SRV-4): done, failed with the panel's reason, refused token, retried, unknown."""

from __future__ import annotations

import pytest

from hostctl.adapters.panels import driver
from hostctl.adapters.panels.cwp import Cwp
from hostctl.adapters.panels.whm import Whm
from hostctl.core.channels import PermanentError, Sent, TemporaryError, UnknownOutcome
from hostctl.core.channels import panel as panel_channel
from hostctl.core.secret import Secret
from panels import FakePanel, PanelAccount, PanelServer, closed_port

TOKEN = "WHMTOKEN7Q2X9ZK4"


def _server(
    panel: FakePanel, *, token: str = TOKEN, name: str = "web3"
) -> panel_channel.PanelServer:
    return panel_channel.PanelServer(
        name=name,
        panel=panel.kind,
        url=panel.url,
        api_user="root" if panel.kind == "whm" else None,
        ca_file=panel.ca_pem,
        token=Secret(token),
    )


def _whm(**accounts: PanelAccount) -> FakePanel:
    return FakePanel("whm", TOKEN, accounts=dict(accounts))


def test_whm_calls_are_api_1_exactly_as_documented():
    panel = _whm(acme=PanelAccount("acme.com", "basic"), beta=PanelAccount("beta.com"))
    with PanelServer(panel):
        whm = driver(_server(panel))
        assert whm.check() == "WHM 11.118.0.5"
        assert whm.suspend("acme", "non-payment, invoice 2026-000123") == Sent()
        assert whm.unsuspend("acme") == Sent()
        assert whm.change_package("acme", "Pro Plan") == Sent()
        assert whm.remove("beta") == Sent()
        assert [a.user for a in whm.accounts()] == ["acme"]
    assert panel.calls() == [
        ("/json-api/version", "api.version=1"),
        (
            "/json-api/suspendacct",
            "api.version=1&user=acme&reason=non-payment%2C+invoice+2026-000123",
        ),
        ("/json-api/unsuspendacct", "api.version=1&user=acme"),
        ("/json-api/changepackage", "api.version=1&user=acme&pkg=Pro+Plan"),
        ("/json-api/removeacct", "api.version=1&username=beta"),  # not the deprecated `user`
        ("/json-api/listaccts", "api.version=1"),
    ]
    assert {r["method"] for r in panel.requests} == {"GET"}
    assert {r["headers"]["Authorization"] for r in panel.requests} == {f"whm root:{TOKEN}"}
    assert panel.accounts["acme"].plan == "Pro Plan"


def test_whm_accounts_are_read_from_data_acct():
    panel = _whm(
        zeta=PanelAccount("zeta.com", "gold", suspended=True), acme=PanelAccount("acme.com")
    )
    with PanelServer(panel):
        accounts = Whm(_server(panel)).accounts()
    assert [(a.user, a.domain, a.plan, a.suspended) for a in accounts] == [
        ("acme", "acme.com", "default", False),
        ("zeta", "zeta.com", "gold", True),
    ]


def test_whm_result_0_is_failed_with_its_reason_never_a_success():
    panel = _whm(acme=PanelAccount("acme.com"))
    panel.script = [("refuse", "The package “Gold” does not exist.")]
    with PanelServer(panel), pytest.raises(PermanentError) as caught:
        Whm(_server(panel)).change_package("acme", "Gold")
    assert caught.value.reason == (
        "server web3 refused changepackage: The package “Gold” does not exist."
    )


def test_whm_already_suspended_and_no_such_account_are_done():
    panel = _whm(acme=PanelAccount("acme.com", suspended=True))
    with PanelServer(panel):
        whm = Whm(_server(panel))
        done = whm.suspend("acme", "abuse")
        gone = whm.remove("nobody")
    assert isinstance(done, Sent) and "already suspended" in (done.note or "")
    assert isinstance(gone, Sent) and "does not exist" in (gone.note or "")


def test_whm_refused_token_is_one_sentence_naming_the_server():
    panel = _whm(acme=PanelAccount("acme.com"))
    with PanelServer(panel), pytest.raises(PermanentError) as caught:
        Whm(_server(panel, token="WRONG")).suspend("acme", "abuse")
    assert caught.value.reason.startswith("server web3 refused the API token (HTTP 403)")
    assert "WRONG" not in caught.value.reason
    panel.script = [("refuse", "Access denied")]  # a token without the ACL the call needs
    with PanelServer(panel), pytest.raises(PermanentError) as caught:
        Whm(_server(panel)).remove("acme")
    assert caught.value.reason.startswith("server web3 refused the API token (Access denied)")


def test_whm_answer_in_api_0_shape_is_not_taken_for_done():
    """An answer without metadata (API 0's shape, what WHM gives a caller that leaves out
    api.version=1) is never taken for a success: nobody can tell what was done."""
    panel = _whm(acme=PanelAccount("acme.com"))
    panel.script = ["api0"]
    with PanelServer(panel), pytest.raises(UnknownOutcome, match=r"without metadata\.result"):
        Whm(_server(panel)).suspend("acme", "abuse")
    assert panel.requests[0]["query"][0] == ("api.version", "1")


def test_no_answer_5xx_is_retried_lost_answer_is_unknown():
    panel = _whm(acme=PanelAccount("acme.com"))
    panel.hold_seconds = 2
    panel.script = [("http", 503), "close", "hang"]
    with PanelServer(panel):
        whm = Whm(_server(panel), timeout=0.5)
        with pytest.raises(TemporaryError, match="HTTP 503"):
            whm.suspend("acme", "abuse")
        with pytest.raises(UnknownOutcome, match="answer was lost"):
            whm.suspend("acme", "abuse")
        with pytest.raises(UnknownOutcome, match="answer was lost"):
            whm.suspend("acme", "abuse")
    refused = FakePanel("whm", TOKEN, url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(TemporaryError, match="cannot reach server web3"):
        Whm(_server(refused)).suspend("acme", "abuse")


def test_https_with_the_servers_ca_file(tmp_path):
    panel = _whm(acme=PanelAccount("acme.com"))
    with PanelServer(panel, https=True, folder=tmp_path):
        assert panel.url.startswith("https://")
        assert Whm(_server(panel)).check() == "WHM 11.118.0.5"
        untrusted = panel_channel.PanelServer("web3", "whm", panel.url, "root", None, Secret(TOKEN))
        with pytest.raises(TemporaryError, match="CERTIFICATE_VERIFY_FAILED"):
            Whm(untrusted).suspend("acme", "abuse")
    assert len(panel.requests) == 1  # the untrusted call never reached the panel


def test_cwp_calls_as_documented():
    panel = FakePanel(
        "cwp", TOKEN, accounts={"acme": PanelAccount("acme.com"), "beta": PanelAccount("b.com")}
    )
    with PanelServer(panel):
        cwp = Cwp(_server(panel))
        assert cwp.check() == "CWP"
        assert cwp.suspend("acme", "non-payment") == Sent(note="susp: Account suspended")
        assert cwp.unsuspend("acme") == Sent(note="unsp: Account unsuspended")
        assert cwp.change_package("acme", "pro") == Sent(note="udp: Package updated")
        assert cwp.remove("beta") == Sent(note="del: Account deleted")
        accounts = cwp.accounts()
    assert panel.calls() == [
        ("/v1/account", "action=list"),
        ("/v1/account", "action=susp&user=acme"),
        ("/v1/account", "action=unsp&user=acme"),
        ("/v1/changepack", "action=udp&user=acme&package=pro"),
        ("/v1/account", "action=del&user=beta"),
        ("/v1/account", "action=list"),
    ]
    assert {r["method"] for r in panel.requests} == {"POST"}
    assert {dict(r["form"])["key"] for r in panel.requests} == {TOKEN}
    assert [(a.user, a.domain, a.plan, a.suspended) for a in accounts] == [
        ("acme", "acme.com", "pro", False)
    ]


def test_cwp_error_status_is_failed_with_msj_or_msg():
    panel = FakePanel("cwp", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    panel.script = [("refuse", "Quota exceeded")]
    with PanelServer(panel):
        cwp = Cwp(_server(panel))
        with pytest.raises(PermanentError, match="server web3 refused susp: Quota exceeded"):
            cwp.suspend("acme", "abuse")
        assert "already suspended" not in (cwp.suspend("acme", "abuse").note or "")
        assert "already suspended" in (cwp.suspend("acme", "abuse").note or "")
        assert "does not exist" in (cwp.remove("ghost").note or "")
        with pytest.raises(PermanentError, match="refused the API token"):
            Cwp(_server(panel, token="nope")).suspend("acme", "x")
