"""``labctl sim``: the simulated bench (``sim ber`` link test, ``sim serve`` SCPI servers)."""
from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("sim", help="simulated bench: link BER, SCPI servers")
    sim_sub = parser.add_subparsers(dest="sim_command", metavar="SIM_COMMAND", parser_class=type(parser))
    from labctl.cli import sim_ber, sim_serve
    sim_ber.register(sim_sub)
    sim_serve.register(sim_sub)
