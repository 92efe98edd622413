"""Panel drivers (rules §15): the only code that speaks a hosting panel's API.

``driver(server)`` makes the driver of ``server``'s panel; the commands that send the outbox
hand it to ``core/delivery.py`` (core never imports this package). Each driver has the same
small set of verbs (``core.channels.panel.Panel``): check, suspend, unsuspend, remove,
change_package, accounts; it speaks HTTP, the outbox owns retries and outcomes.
"""

from __future__ import annotations

from hostctl.core.channels.panel import Panel, PanelServer


def driver(server: PanelServer) -> Panel:
    """The driver of ``server``'s panel (``whm`` or ``cwp``)."""
    if server.panel == "whm":
        from hostctl.adapters.panels.whm import Whm

        return Whm(server)
    if server.panel == "cwp":
        from hostctl.adapters.panels.cwp import Cwp

        return Cwp(server)
    raise ValueError(f"no driver for panel {server.panel!r}")
