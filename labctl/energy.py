"""Energy accounting: electrical power of the bench's components per operation.

Convention: one multiply-accumulate (MAC) = 2 operations (a multiply and an
add), so ops/s = 2 * MAC/s and

    mW/TOPS = P_total [mW] / (ops/s / 1e12)        pJ/MAC = P_total [W] / (MAC/s) * 1e12

Power of each component class (figures from the bench file's ``[power]``
table, :class:`labctl.bench.PowerFigures`):

    lasers            P_optical_total / wall_plug_efficiency
    DACs, ADCs        energy_per_sample * sample_rate * channels
    modulator drivers power_per_channel * drivers
    TIAs              power_per_channel * photodiodes
    amplifiers        power_per_unit * amplifiers
    heaters           power_per_ring * rings

Published reference points (:data:`REFERENCE_POINTS`):
- optical cloud computing across an edge-metro network: 118.6 mW/TOPS
  (Xing et al., Nat. Commun. 16:6097 (2025), doi 10.1038/s41467-025-61495-6);
- NVIDIA H100 SXM: 1979 TOPS INT8 dense at 700 W TDP -> 353.7 mW/TOPS
  (H100 datasheet; 3958 TOPS is with sparsity);
- NVIDIA A100: 624 TOPS INT8 dense at 400 W TDP -> 641.0 mW/TOPS (A100 datasheet).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from labctl.bench import Bench, PowerFigures

OPS_PER_MAC = 2


@dataclass(frozen=True)
class ReferencePoint:
    name: str
    mw_per_tops: float
    source: str


def _gpu(name: str, tops: float, watts: float, source: str) -> ReferencePoint:
    return ReferencePoint(name, watts * 1e3 / tops, source)


REFERENCE_POINTS: tuple[ReferencePoint, ...] = (
    ReferencePoint("optical cloud computing (Xing et al. 2025)", 118.6,
                   "Nat. Commun. 16:6097 (2025), doi 10.1038/s41467-025-61495-6"),
    _gpu("NVIDIA H100 SXM, INT8 dense", 1979.0, 700.0, "H100 datasheet: 1979 TOPS INT8 dense, 700 W"),
    _gpu("NVIDIA A100, INT8 dense", 624.0, 400.0, "A100 datasheet: 624 TOPS INT8 dense, 400 W"),
)


@dataclass(frozen=True)
class OperatingPoint:
    """What runs, how fast: counts of active devices and their rates (SI).

    ``macs_per_symbol``: MACs completed per symbol slot by the whole system
    (wdm: an N x N product per slot -> N*N; time: one MAC per lane per slot).
    """
    symbol_rate: float                 # Bd
    macs_per_symbol: float
    laser_optical_power: float         # W, total optical output of all lasers/combs
    dac_channels: int
    dac_sample_rate: float             # Sa/s per channel
    adc_channels: int
    adc_sample_rate: float             # Sa/s per channel
    modulator_drivers: int
    tias: int
    amplifiers: int = 0
    rings: int = 0

    @property
    def macs_per_second(self) -> float:
        return self.symbol_rate * self.macs_per_symbol


@dataclass(frozen=True)
class EnergyReport:
    """Electrical power per component (W) and the figures of merit."""
    components: dict[str, float]
    macs_per_second: float
    references: tuple[ReferencePoint, ...] = field(default=REFERENCE_POINTS)

    @property
    def total_power(self) -> float:
        """W."""
        return sum(self.components.values())

    @property
    def ops_per_second(self) -> float:
        return OPS_PER_MAC * self.macs_per_second

    @property
    def mw_per_tops(self) -> float:
        return self.total_power * 1e3 / (self.ops_per_second / 1e12)

    @property
    def pj_per_mac(self) -> float:
        return self.total_power / self.macs_per_second * 1e12

    def breakdown_mw_per_tops(self) -> dict[str, float]:
        """Each component's share of mW/TOPS."""
        scale = 1e3 / (self.ops_per_second / 1e12)
        return {name: watts * scale for name, watts in self.components.items()}


def energy(power: PowerFigures, op: OperatingPoint) -> EnergyReport:
    """Per-component electrical power (W) at operating point ``op``; see module docstring."""
    if op.macs_per_second <= 0:
        raise ValueError("the operating point performs no MACs (symbol_rate * macs_per_symbol <= 0)")
    components = {
        "lasers": op.laser_optical_power / power.laser.wall_plug_efficiency,
        "dacs": power.dac.energy_per_sample * op.dac_sample_rate * op.dac_channels,
        "adcs": power.adc.energy_per_sample * op.adc_sample_rate * op.adc_channels,
        "modulator_drivers": power.modulator_driver.power_per_channel * op.modulator_drivers,
        "tias": power.tia.power_per_channel * op.tias,
        "amplifiers": power.amplifier.power_per_unit * op.amplifiers,
        "heaters": power.heater.power_per_ring * op.rings,
    }
    return EnergyReport(components, op.macs_per_second)


def operating_point_from_bench(bench: Bench, symbol_rate: float | None = None) -> OperatingPoint:
    """The embedded-bench style operating point read from the bench file.

    wdm: N ports x N lines, N edge DAC channels and modulator drivers, N
    photodiodes/TIAs/ADC channels, N*N rings, N*N MACs per symbol.
    time: L lanes, each an edge DAC channel + a weight DAC channel, two
    modulator drivers, one photodiode; L MACs per symbol.  Converter sample
    rates are the instruments' ``sample_rate`` settings; laser power is the
    sum of the lasers' ``power`` settings; amplifiers are the edges' EDFAs.
    """
    topo = bench.topology
    rate = topo.symbol_rate_hz if symbol_rate is None else symbol_rate
    edges = topo.edges
    laser_power = sum(float(bench.instruments[e.laser].settings.get("power", 0.0)) for e in edges)
    dac_rate = max(float(bench.instruments[e.awg].settings.get("sample_rate", 0.0)) for e in edges)
    amplifiers = sum(1 for e in edges if e.amplifier)
    if topo.scheme == "wdm":
        n = topo.centre.ports
        pds = topo.centre.photodiodes
        adc_rate = max(float(bench.instruments[p.scope].settings.get("sample_rate", 0.0)) for p in pds)
        return OperatingPoint(rate, n * n, laser_power, n, dac_rate, len(pds), adc_rate,
                              n, len(pds), amplifiers, n * n)
    lanes = topo.centre.lanes
    weight_rate = float(bench.instruments[topo.centre.weight_awg].settings.get("sample_rate", 0.0))
    dac_rate = (dac_rate + weight_rate) / 2   # L edge + L weight channels: power is linear in rate
    adc_rate = max(float(bench.instruments[l.photodiode.scope].settings.get("sample_rate", 0.0))
                   for l in lanes)
    return OperatingPoint(rate, len(lanes), laser_power, 2 * len(lanes), dac_rate, len(lanes),
                          adc_rate, 2 * len(lanes), len(lanes), amplifiers, 0)
