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

Three boundaries of the same operating point (:func:`boundary_points`,
:data:`BOUNDARIES`), components summing exactly to each total:

    bench    the lab bench as run: converters at the instruments' programmed
             sample rates; frame overhead and scope averaging counted
    system   a deployed edge-metro system of integrated parts running the same
             product: converters at ``[power.system]`` samples per symbol (DAC,
             ADC), everything else as in ``bench`` (amplifiers as the topology
             shares them: one per edge path)
    centre   what the computing centre adds beyond the edge transmitters the
             metro network already has: rings + heaters, routing (passive AWGR,
             0 W), centre modulators (DAC channels + drivers; none in wdm),
             photodiodes + TIAs + ADCs, edge booster EDFAs (they exist for the
             computation's optical budget), and the edge-path EDFAs only when
             ``[power.centre] edge_amplifiers`` says they are the centre's;
             converters at the system rates.  Edge lasers, edge DACs and edge
             modulator drivers are not counted (every laser is an edge laser).

All three share one MAC rate: symbol_rate * payload / n_symbols / averages *
macs_per_symbol (the same product at the same precision).

Published reference points (:data:`REFERENCE_POINTS`):
- optical cloud computing across an edge-metro network: 118.6 mW/TOPS
  (Xing et al., Nat. Commun. 16:6097 (2025), doi 10.1038/s41467-025-61495-6);
- NVIDIA H100 SXM: 1979 TOPS INT8 dense at 700 W TDP -> 353.7 mW/TOPS
  (H100 datasheet; 3958 TOPS is with sparsity);
- NVIDIA A100: 624 TOPS INT8 dense at 400 W TDP -> 641.0 mW/TOPS (A100 datasheet).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from labctl.bench import Bench, PowerFigures

OPS_PER_MAC = 2
#: the boundaries of :func:`boundary_points`, widest first
BOUNDARIES = ("bench", "system", "centre")
#: component names of every :class:`EnergyReport`, in report order
COMPONENTS = ("lasers", "dacs", "adcs", "modulator_drivers", "tias", "amplifiers", "heaters")
#: what each boundary counts (printed by ``labctl energy``, README table)
BOUNDARY_COUNTS = {
    "bench": "lasers, edge+centre DACs and drivers at the instruments' rates, PDs/TIAs/ADCs at "
             "the scopes' rates, edge EDFAs and boosters, ring heaters",
    "system": "as bench, DACs and ADCs of integrated parts at the samples/symbol the DSP needs",
    "centre": "ring heaters, routing (passive AWGR, 0 W), centre modulators (time: weight "
              "DACs + drivers), PDs/TIAs/ADCs at system rates, edge boosters; edge-path EDFAs "
              "only if [power.centre] edge_amplifiers",
}


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


@dataclass(frozen=True)
class ComponentCounts:
    """Device counts of a topology for the energy model.

    ``edge_modulators`` / ``centre_modulators``: DAC channels (one driver each)
    at the edge nodes / at the centre; ``photodiodes``: outputs, each a
    photodiode + TIA + ADC channel; ``rings``: heated micro-rings;
    ``amplifiers``: edge-path EDFAs (at the centre input, making up span loss);
    ``boosters``: edge booster EDFAs (``booster_gain_db > 0``: optical power for
    the computation's precision, not needed by the metro link);
    ``macs_per_symbol``: MACs per symbol slot.
    """
    macs_per_symbol: int
    edge_modulators: int
    centre_modulators: int
    photodiodes: int
    rings: int
    amplifiers: int
    boosters: int = 0


def component_counts(topology) -> ComponentCounts:
    """Device counts of ``topology`` through its scheme (labctl.mvm.schemes):
    ``energy_counts`` (MACs/symbol, rings, photodiodes) and
    ``modulator_channels`` (an edge name, or None for a centre modulator)."""
    from labctl.mvm.schemes import scheme_for  # lazy: labctl.mvm imports this module
    scheme = scheme_for(topology)
    counts = scheme.energy_counts(topology)
    mods = scheme.modulator_channels(topology)
    centre = sum(1 for _, _, edge in mods if edge is None)
    return ComponentCounts(counts.macs_per_symbol, len(mods) - centre, centre,
                           counts.photodiodes, counts.rings,
                           sum(1 for e in topology.edges if e.amplifier),
                           sum(1 for e in topology.edges if e.booster_gain_db > 0))


def _setting(bench: Bench, name: str, key: str) -> float:
    return float(bench.instruments[name].settings.get(key, 0.0))


def operating_point_from_bench(bench: Bench, symbol_rate: float | None = None) -> OperatingPoint:
    """The bench operating point at the instruments' nominal settings, every
    symbol computing (no frame overhead, no averaging): modulator channels of
    the scheme (DAC + driver each) at the mean of their AWGs' ``sample_rate``
    (power is linear in rate), outputs (PD + TIA + ADC each) at the mean of their
    scopes' ``sample_rate``, laser power = sum of the edge lasers' ``power``,
    amplifiers = edges with an EDFA + edge boosters.  wdm 8 x 8: 64 MACs per symbol, 8 + 8
    channels, 64 rings; time: one MAC per lane per symbol, 2 modulators per lane.
    """
    from labctl.mvm.schemes import scheme_for
    topo = bench.topology
    rate = topo.symbol_rate_hz if symbol_rate is None else symbol_rate
    scheme = scheme_for(topo)
    counts = component_counts(topo)
    mods = scheme.modulator_channels(topo)
    outputs = scheme.outputs(topo)
    dac_rate = sum(_setting(bench, awg, "sample_rate") for awg, _, _ in mods) / len(mods)
    adc_rate = sum(_setting(bench, scope, "sample_rate") for scope, _ in outputs) / len(outputs)
    laser = sum(_setting(bench, e.laser, "power") for e in topo.edges)
    n_mod = counts.edge_modulators + counts.centre_modulators
    return OperatingPoint(rate, counts.macs_per_symbol, laser, n_mod, dac_rate,
                          counts.photodiodes, adc_rate, n_mod, counts.photodiodes,
                          counts.amplifiers + counts.boosters, counts.rings)


def boundary_points(bench: Bench, frame=None, averages: int | None = None,
                    laser_optical_power: float | None = None) -> dict[str, OperatingPoint]:
    """One :class:`OperatingPoint` per boundary (:data:`BOUNDARIES`) of the same product.

    ``frame``: the :class:`labctl.mvm.frames.FrameFormat` run (default: the
    bench's ``symbol_rate_hz``); ``averages``: scope records per result
    (default ``scope_averages``); ``laser_optical_power``: W of the edge lasers
    (default: their bench settings).  MAC rate = symbol_rate * payload /
    n_symbols / averages * macs_per_symbol at every boundary; bench DACs at the
    programmed AWG rates (integer samples per symbol, labctl.mvm.waveforms),
    bench ADCs at the scopes' rates; system and centre converters at
    ``[power.system]`` samples per symbol (ADC default: the DSP's ``sps_rx``).
    """
    from labctl.mvm.frames import FrameFormat
    from labctl.mvm.schemes import scheme_for
    from labctl.mvm.waveforms import awg_rate
    topo = bench.topology
    frame = frame or FrameFormat(symbol_rate=topo.symbol_rate_hz)
    averages = topo.scope_averages if averages is None else averages
    sysfig, centre = bench.power.system, bench.power.centre
    base = operating_point_from_bench(bench, frame.symbol_rate)
    mods = scheme_for(topo).modulator_channels(topo)
    dac_rate = sum(awg_rate(bench, frame, awg)[1] for awg, _, _ in mods) / len(mods)
    laser = base.laser_optical_power if laser_optical_power is None else laser_optical_power
    computing = frame.symbol_rate * frame.payload / frame.n_symbols / averages
    bench_point = replace(base, symbol_rate=computing, dac_sample_rate=dac_rate,
                          laser_optical_power=laser)
    adc_sps = frame.sps_rx if sysfig.adc_samples_per_symbol is None \
        else sysfig.adc_samples_per_symbol
    system = replace(bench_point, dac_sample_rate=sysfig.dac_samples_per_symbol * frame.symbol_rate,
                     adc_sample_rate=adc_sps * frame.symbol_rate)
    counts = component_counts(topo)
    centre_point = replace(system, laser_optical_power=centre.laser_optical_power,
                           dac_channels=counts.centre_modulators,
                           modulator_drivers=counts.centre_modulators,
                           amplifiers=counts.boosters
                           + (counts.amplifiers if centre.edge_amplifiers else 0))
    return {"bench": bench_point, "system": system, "centre": centre_point}


def boundary_energy(bench: Bench, frame=None, averages: int | None = None,
                    laser_optical_power: float | None = None) -> dict[str, EnergyReport]:
    """:func:`energy` of each of :func:`boundary_points` with the bench's
    ``[power]`` (``bench``) or its integrated parts' figures (``system``,
    ``centre``: :meth:`labctl.bench.PowerFigures.integrated`)."""
    figures = {"bench": bench.power}
    return {name: energy(figures.get(name, bench.power.integrated()), op) for name, op in
            boundary_points(bench, frame, averages, laser_optical_power).items()}


def scaled_bench(bench: Bench, n: int) -> Bench:
    """``bench`` with its topology resized to N = ``n`` (centre ports in wdm,
    lanes in time; labctl.bench.topology.with_ports): same instruments,
    settings and ``[power]``; ``bench`` itself when it already has that N."""
    from labctl.bench.topology import with_ports
    if n == bench.topology.size:
        return bench
    return bench.model_copy(update={"topology": with_ports(bench.topology, n)})


def scaling_energy(bench: Bench, n: int, symbol_rate: float,
                   averages: int | None = None) -> dict[str, EnergyReport]:
    """Three boundaries of ``bench`` resized to N = ``n`` at ``symbol_rate`` (Bd).

    The edge lasers' optical power scales as n / N_bench (the same power per
    comb line or lane, so the same optical budget per product); the edge-path
    EDFAs and the frame format stay (fixed costs shared by more MACs).
    """
    from labctl.mvm.frames import FrameFormat
    if not symbol_rate > 0:
        raise ValueError(f"symbol_rate must be > 0 Bd, got {symbol_rate}")
    big = scaled_bench(bench, n)
    laser = operating_point_from_bench(bench).laser_optical_power * n / bench.topology.size
    return boundary_energy(big, FrameFormat(symbol_rate=symbol_rate), averages, laser)


def report_dict(reports: dict[str, EnergyReport]) -> dict:
    """JSON-able form: {"boundaries": {name: {"mw_per_tops", "pj_per_mac", "power_w",
    "components": {component: mW/TOPS}, "components_w": {component: W}}},
    "macs_per_second": MAC/s}."""
    out = {name: {"mw_per_tops": r.mw_per_tops, "pj_per_mac": r.pj_per_mac,
                  "power_w": r.total_power, "components": r.breakdown_mw_per_tops(),
                  "components_w": dict(r.components), "counts": BOUNDARY_COUNTS[name]}
           for name, r in reports.items()}
    first = next(iter(reports.values()))
    return {"boundaries": out, "macs_per_second": first.macs_per_second,
            "references": {p.name: p.mw_per_tops for p in first.references}}


def boundary_summary(metrics: dict) -> list[str]:
    """One line per boundary from a run file's metrics ({name: (values, unit)}, as
    :func:`labctl.runfile.read_summary` gives them): ``energy/<boundary>/...``
    (last value); boundaries the run did not record are left out."""
    import numpy as np
    lines = []
    for b in BOUNDARIES:
        mw, pj = metrics.get(f"energy/{b}/mw_per_tops"), metrics.get(f"energy/{b}/pj_per_mac")
        if mw is None or pj is None or not np.size(mw[0]):
            continue
        lines.append(f"energy {b:7s} {float(np.ravel(mw[0])[-1]):10.4g} mW/TOPS "
                     f"{float(np.ravel(pj[0])[-1]):10.4g} pJ/MAC")
    return lines
