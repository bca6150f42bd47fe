"""PIN309 driver-listen: asyncpg ``add_listener()`` runs ``LISTEN`` on the connection: the channel stays
subscribed on a server connection other clients then get (and RDS Proxy pins it)."""

from __future__ import annotations

from typing import List

from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.driverfacts import DriverFacts
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import imported
from pinlint.targets import hazard


@module_check("PIN309", families=("listen",), needs=(DriverFacts,), triggers=(imported("asyncpg", "add_listener"),))
def driver_listen(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    if not facts.imported(("asyncpg",)):
        return []
    d = ctx.view(DriverFacts)
    out = []
    for call in facts.calls:
        recv = d.receiver(call)
        if call.last != "add_listener" or recv is None or len(call.node.args) < 2 or d.is_direct(call, recv):
            continue
        channel = facts.value(call.positional(0), call.scope)
        out.append(NodeVerdict(call.node, hazard("listen"),
                               {"channel": channel if isinstance(channel, str) else "channel",
                                "fix": "a dedicated connection that bypasses the pooler (name it in direct-connections)"},
                               "asyncpg"))
    return out
