"""Simulated instrument classes by driver module name (the bench file's ``model``)."""
from __future__ import annotations

from sim_backends.scpi.generic_edfa import GenericEDFA
from sim_backends.scpi.generic_heaters import GenericHeaters
from sim_backends.scpi.generic_mbc import GenericMBC
from sim_backends.scpi.instrument import SimInstrument
from sim_backends.scpi.keysight_m8196a import KeysightM8196A
from sim_backends.scpi.keysight_n7744c import KeysightN7744C
from sim_backends.scpi.keysight_n7776c import KeysightN7776C
from sim_backends.scpi.keysight_uxr import KeysightUXR
from sim_backends.scpi.santec_tsl570 import SantecTSL570
from sim_backends.scpi.tektronix_awg70002b import TektronixAWG70002B
from sim_backends.scpi.tektronix_dpo70000 import TektronixDPO70000

SIM_MODELS: dict[str, type[SimInstrument]] = {cls.model: cls for cls in (
    KeysightM8196A, TektronixAWG70002B, KeysightUXR, TektronixDPO70000, SantecTSL570,
    KeysightN7776C, KeysightN7744C, GenericMBC, GenericEDFA, GenericHeaters)}


def create(name: str, model: str, table=None, settings: dict | None = None) -> SimInstrument:
    """A simulated instrument of driver module ``model`` (KeyError names the known models)."""
    try:
        cls = SIM_MODELS[model]
    except KeyError:
        raise KeyError(f"no simulated instrument for model {model!r}; known: {sorted(SIM_MODELS)}") from None
    return cls(name, table=table, settings=settings)
