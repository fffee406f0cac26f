"""Optical topology of a bench: edge nodes, metro spans and the computing centre.

This is the ``[topology]`` table of a bench file (see docs/DESIGN.md, "The data path").
Every model forbids unknown keys, so a typo in the bench file is an error that
names the key path.  Units are SI except where the field name says otherwise
(``*_db``, ``*_dbm``, ``*_ps_nm_km``: the units the datasheets and bench files use;
they are converted once, where they are used).

Two computing schemes (docs/DESIGN.md):

* ``wdm``: each edge port ``p`` carries an N-line comb modulated by one MZM with
  ``x_p``; a micro-ring bank sets the weight of comb line ``k`` at port ``p``; a
  cyclic N x N AWGR sends ``(p, lambda_k)`` to output ``q = (p - k) mod N``; one
  photodiode per output: ``y_q = sum_p w[p, (p - q) mod N] x_p``.
* ``time``: ``x_k`` on the edge MZM and ``w_jk`` on a cascaded centre MZM driven
  by the weight AWG in the same symbol slot; each lane (one wavelength, one
  weight-AWG channel, one photodiode) computes another row ``j`` in parallel.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim_backends.physics import fibre

SPEED_OF_LIGHT = 299_792_458.0  # m/s


def key_error(loc: tuple, value, expected: str) -> ValidationError:
    """A validation error at ``loc`` (relative to the model that raises it:
    pydantic prefixes the enclosing keys), so the bench loader names the key
    path: ``<path>: expected <expected>, got <value>``."""
    detail = InitErrorDetails(type=PydanticCustomError("value_error", expected), loc=loc,
                              input=value)
    return ValidationError.from_exception_data("bench", [detail])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(_Strict):
    """One metro fibre span. Defaults: Corning SMF-28 Ultra, defined once in
    :mod:`sim_backends.physics.fibre` (``SMF28_*``, with the datasheet figures)."""

    length_m: float = Field(gt=0)
    loss_db_per_km: float = Field(fibre.SMF28_LOSS_DB_KM, ge=0)
    dispersion_ps_nm_km: float = fibre.SMF28_DISPERSION_PS_NM_KM
    slope_ps_nm2_km: float = fibre.SMF28_SLOPE_PS_NM2_KM
    group_index: float = Field(fibre.SMF28_GROUP_INDEX, gt=1)

    @property
    def delay_s(self) -> float:
        """Group delay L n_g / c (s)."""
        return self.length_m * self.group_index / SPEED_OF_LIGHT


class EdgeNode(_Strict):
    """An edge node: a laser (the comb seed in ``wdm``), one AWG channel and one
    MZM (with its bias-controller channel) per input port, its metro spans and
    the EDFA that amplifies the span output at the centre."""

    name: str
    laser: str
    awg: str
    awg_channels: list[int] = Field(min_length=1)
    bias: str
    bias_channels: list[int] = Field(min_length=1)
    #: centre input ports (0-based) fed by awg_channels[i] (wdm); lanes use them too
    ports: list[int] = Field(min_length=1)
    spans: list[Span] = Field(min_length=1)
    amplifier: str | None = None
    #: operating point: gain (dB) of the amplifier of every port fibre, set in
    #: 'gain' mode by the matrix-product code (None: keep the bench settings).
    #: Constant gain, not constant power: an AGC would rescale with the data.
    amplifier_gain_db: float | None = None
    #: dispersion-compensating module at the centre input: fraction of the span
    #: dispersion and slope it removes (slope-matched DCF ~1.0); 0 = none
    dcm_ratio: float = Field(1.0, ge=0, le=1.2)
    dcm_loss_db: float = Field(4.0, ge=0)  # OFS WideBand DCM for 40 km: 3-5 dB
    #: booster EDFA at the edge node, after the comb (wdm) or seed laser (time) and
    #: before the 1:n split to the port modulators: constant power gain (dB), 0 = none.
    #: Its ASE (noise figure ``devices.edfa``) travels with the lines to the centre.
    booster_gain_db: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _same_lengths(self):
        if not (len(self.awg_channels) == len(self.bias_channels) == len(self.ports)):
            raise ValueError("awg_channels, bias_channels and ports must have the same length")
        return self

    @property
    def length_m(self) -> float:
        return sum(s.length_m for s in self.spans)

    @property
    def delay_s(self) -> float:
        return sum(s.delay_s for s in self.spans)


class Photodiode(_Strict):
    """Where an output's photodiode (+TIA) is digitised: scope name and 1-based channel."""

    scope: str
    channel: int = Field(ge=1)


class Awgr(_Strict):
    """Cyclic N x N arrayed-waveguide grating router. Defaults: typical
    100 GHz athermal AWG datasheet figures (e.g. NeoPhotonics/Lumentum
    cyclic AWGR: insertion loss 4-6 dB, adjacent crosstalk <= -25 dB,
    non-adjacent <= -30 dB)."""

    insertion_loss_db: float = Field(5.0, ge=0)
    passband_3db_hz: float = Field(50e9, gt=0)
    adjacent_crosstalk_db: float = Field(-25.0, le=0)
    nonadjacent_crosstalk_db: float = Field(-30.0, le=0)


class RingBank(_Strict):
    """Micro-ring weight bank: one all-pass ring per (port p, comb line k) on
    heater channel ``first_channel + p * N + k``."""

    heaters: str
    first_channel: int = Field(1, ge=1)


class Lane(_Strict):
    """Time scheme: one parallel row. The light of edge ``edge`` port index
    ``port`` (index into that edge's port list) passes a centre MZM driven by
    ``weight_awg`` channel ``weight_channel`` and lands on ``photodiode``."""

    edge: str
    port: int = Field(0, ge=0)
    weight_channel: int = Field(ge=1)
    weight_bias_voltage: float | None = None
    photodiode: Photodiode


class _CentreBase(_Strict):
    """What every computing centre has: its input ports, the comb / AWGR grid.
    ``kind`` (the discriminator of :data:`Centre`) is copied from the
    topology's ``scheme`` when the bench file is parsed."""

    ports: int = Field(8, ge=1)
    wavelengths: int = Field(8, ge=1)
    comb_spacing_hz: float = Field(100e9, gt=0)
    #: centre of the comb / AWGR grid: ITU 193.4 THz = 1550.12 nm
    grid_centre_hz: float = Field(193.4e12, gt=0)
    awgr: Awgr = Awgr()

    def check_edges(self, edges: list[EdgeNode]) -> None:
        """Checks that need the edge nodes (raise ValueError naming the key path)."""

    def instrument_references(self) -> list[tuple[str, str, str]]:
        """(key path, instrument name, expected role) of every instrument the centre names."""
        return []

    @property
    def size(self) -> int:
        """N of the computing centre (ports of an N x N product)."""
        return self.ports

    def resized(self, data: dict, n: int) -> dict:
        """``data`` (a topology's ``model_dump``) with ``n`` centre ports: the
        scheme's size for scaling studies (:func:`with_ports`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be resized")


class WdmCentre(_CentreBase):
    """wdm centre: micro-ring weight bank, cyclic N x N AWGR, one photodiode per output."""

    kind: Literal["wdm"] = "wdm"
    rings: RingBank
    #: one photodiode per AWGR output q (length = ports)
    photodiodes: list[Photodiode]

    @model_validator(mode="after")
    def _square(self):
        n = self.ports
        if self.wavelengths != n:
            raise key_error(("wavelengths",), self.wavelengths,
                            f"wavelengths == ports ({n}) for a cyclic N x N AWGR")
        if len(self.photodiodes) != n:
            raise key_error(("photodiodes",), len(self.photodiodes),
                            f"{n} photodiodes (one per AWGR output)")
        return self

    def check_edges(self, edges: list[EdgeNode]) -> None:
        ports = sorted(p for e in edges for p in e.ports)
        if ports != list(range(self.ports)):
            raise key_error(("edges",), ports,
                            f"edge ports covering the centre ports 0..{self.ports - 1} once each")

    def resized(self, data: dict, n: int) -> dict:
        """N x N: the ``n`` ports shared over the edges in order, as evenly as
        possible (AWG and bias channels 1..share), one photodiode per output
        (the bench's photodiodes repeated)."""
        edges = data["edges"]
        if n < len(edges):
            raise ValueError(f"{n} ports cannot feed {len(edges)} edge nodes")
        start = 0
        for i, edge in enumerate(edges):
            share = n // len(edges) + (1 if i < n % len(edges) else 0)
            edge.update(ports=list(range(start, start + share)),
                        awg_channels=list(range(1, share + 1)),
                        bias_channels=list(range(1, share + 1)))
            start += share
        pds = data["centre"]["photodiodes"]
        data["centre"].update(ports=n, wavelengths=n, photodiodes=[pds[q % len(pds)] for q in range(n)])
        return data

    def instrument_references(self) -> list[tuple[str, str, str]]:
        refs = [("topology.centre.rings.heaters", self.rings.heaters, "heaters")]
        return refs + [(f"topology.centre.photodiodes.{i}.scope", pd.scope, "scope")
                       for i, pd in enumerate(self.photodiodes)]


class TimeCentre(_CentreBase):
    """time centre: a weight AWG driving one cascaded MZM per lane."""

    kind: Literal["time"] = "time"
    weight_awg: str
    lanes: list[Lane] = Field(min_length=1)

    def check_edges(self, edges: list[EdgeNode]) -> None:
        names = [e.name for e in edges]
        for i, lane in enumerate(self.lanes):
            if lane.edge not in names:
                raise key_error(("centre", "lanes", i, "edge"), lane.edge, f"one of {names}")

    @property
    def size(self) -> int:
        """Lanes (rows computed in parallel)."""
        return len(self.lanes)

    def resized(self, data: dict, n: int) -> dict:
        """``n`` lanes: the bench's lanes repeated in order, weight channels 1..n."""
        lanes = data["centre"]["lanes"]
        data["centre"]["lanes"] = [{**lanes[i % len(lanes)], "weight_channel": i + 1}
                                   for i in range(n)]
        return data

    def instrument_references(self) -> list[tuple[str, str, str]]:
        refs = [("topology.centre.weight_awg", self.weight_awg, "awg")]
        return refs + [(f"topology.centre.lanes.{i}.photodiode.scope", ln.photodiode.scope, "scope")
                       for i, ln in enumerate(self.lanes)]


#: Every centre model, one per computing scheme (a new scheme adds its model here
#: and its module in labctl.mvm.schemes); the bench file's ``scheme`` picks one.
CENTRES = (TimeCentre, WdmCentre)
#: The computing centre: a union discriminated by ``kind`` (= ``topology.scheme``).
Centre = Annotated[Union[CENTRES], Field(discriminator="kind")]
#: The ``kind`` of every centre model (loc parts pydantic adds for the union).
CENTRE_KINDS = tuple(c.model_fields["kind"].default for c in CENTRES)


class MzmParams(_Strict):
    """LiNbO3 intensity modulator + linear RF driver. Defaults: Thorlabs LN81S-FC /
    iXblue MX-LN-40 class data sheets (RF V_pi 5 V, DC extinction ratio 25 dB,
    insertion loss 4.5 dB); driver: a 20 dB linear modulator driver (e.g. SHF S807C
    class, 10 V/V). ``bias_spread_v`` is the spread of each modulator's static bias
    offset (V, random per device) seen in 'manual' bias mode; the bias controller's
    quadrature lock leaves ``lock_error_v``."""

    v_pi: float = Field(5.0, gt=0)
    extinction_ratio_db: float = Field(25.0, gt=0)
    insertion_loss_db: float = Field(4.5, ge=0)
    driver_gain: float = Field(10.0, gt=0)
    bandwidth_hz: float = Field(35e9, gt=0)
    bias_spread_v: float = Field(1.0, ge=0)
    lock_error_v: float = Field(0.05, ge=0)  # dither bias controllers: ~1 % of V_pi


class RingParams(_Strict):
    """Silicon add-drop micro-ring, thermally tuned (sim_backends.physics.microring).
    Defaults: ~10 um radius SOI ring (Bogaerts et al., Laser Photon. Rev. 6, 47
    (2012); foundry PDK figures): FSR 9 nm, loaded Q 1e4, 0.1 dB round-trip loss,
    TiN heater 0.25 nm/mW and 1 kOhm; 5 % thermal crosstalk to the neighbouring
    heater; as-fabricated resonances 0.05-0.4 nm blue of their comb line (intra-die
    resonance non-uniformity of neighbouring identical rings is a few 100 pm, e.g.
    Lu et al., Opt. Express 25, 9712 (2017); rings are designed blue of the grid
    because heaters only red-shift)."""

    fsr_m: float = Field(9e-9, gt=0)
    q_loaded: float = Field(1e4, gt=0)
    round_trip_loss_db: float = Field(0.1, ge=0)
    tuning_nm_per_mw: float = Field(0.25, gt=0)
    heater_resistance_ohm: float = Field(1000.0, gt=0)
    thermal_crosstalk: float = Field(0.05, ge=0, lt=1)
    fab_offset_nm: tuple[float, float] = (0.05, 0.4)


class PhotodiodeParams(_Strict):
    """PIN photodiode + linear TIA (sim_backends.physics.photodiode defaults:
    Coherent/Finisar XPRV2022A, Albis PD/TIA class): 0.8 A/W, 10 nA dark,
    20 pA/rtHz, 40 GHz, 300 Ohm, soft saturation at 2 mA."""

    responsivity_a_per_w: float = Field(0.8, gt=0)
    dark_current_a: float = Field(10e-9, ge=0)
    input_noise_a_per_rthz: float = Field(20e-12, ge=0)
    bandwidth_hz: float = Field(40e9, gt=0)
    transimpedance_ohm: float = Field(300.0, gt=0)
    saturation_current_a: float = Field(2e-3, gt=0)


class EdfaParams(_Strict):
    """EDFA noise figure 5 dB (Amonics AEDFA-C / Thorlabs EDFA100S data sheets)."""

    noise_figure_db: float = Field(5.0, gt=0)


class LaserParams(_Strict):
    """Seed laser + electro-optic comb. RIN -145 dB/Hz (Santec TSL-570 data sheet);
    an 8-line flattened EO comb delivers about -10 dB of the seed power per line
    (0 dBm lines from a 10 dBm seed, as in sim_backends.physics.laser.CombSource)
    with +-1 dB flatness."""

    rin_db_per_hz: float = -145.0
    comb_line_efficiency_db: float = -10.0
    comb_flatness_db: float = Field(1.0, ge=0)


class DacParams(_Strict):
    """AWG analogue front end beyond code quantisation (sim_backends.physics.dac):
    ENOB per driver model (Keysight M8196A ~5.5; Tektronix AWG70002B ~6.5 at
    high frequency) and analogue bandwidth per model (32 GHz; 13.5 GHz)."""

    enob: dict[str, float] = Field(default_factory=lambda: {
        "keysight_m8196a": 5.5, "tektronix_awg70002b": 6.5, "tektronix_awg70001b": 6.5})
    bandwidth_hz: dict[str, float] = Field(default_factory=lambda: {
        "keysight_m8196a": 32e9, "tektronix_awg70002b": 13.5e9, "tektronix_awg70001b": 15e9})
    default_enob: float = Field(6.0, gt=0)
    default_bandwidth_hz: float = Field(20e9, gt=0)


class AdcParams(_Strict):
    """Scope front end beyond code quantisation (sim_backends.physics.adc): ENOB
    and bandwidth per driver model (Keysight UXR0334A: 6.5 ENOB, 33 GHz;
    Tektronix DPO70000SX: ~5.5 ENOB, 33 GHz)."""

    enob: dict[str, float] = Field(default_factory=lambda: {
        "keysight_uxr": 6.5, "tektronix_dpo70000": 5.5})
    bandwidth_hz: dict[str, float] = Field(default_factory=lambda: {
        "keysight_uxr": 33e9, "tektronix_dpo70000": 33e9})
    default_enob: float = Field(6.0, gt=0)
    default_bandwidth_hz: float = Field(33e9, gt=0)


class Devices(_Strict):
    mzm: MzmParams = MzmParams()
    ring: RingParams = RingParams()
    photodiode: PhotodiodeParams = PhotodiodeParams()
    edfa: EdfaParams = EdfaParams()
    laser: LaserParams = LaserParams()
    dac: DacParams = DacParams()
    adc: AdcParams = AdcParams()


class Topology(_Strict):
    """The optical wiring of one bench (``[topology]`` of the bench file)."""

    scheme: Literal[CENTRE_KINDS] = "wdm"  # type: ignore[valid-type]
    #: symbol rate of the products (Bd); the AWG sample rate sets samples per symbol
    symbol_rate_hz: float = Field(11.5e9, gt=0)  # 92 GSa/s / 8; 23 GSa/s / 2
    #: scope averaging acquisition (records averaged per acquisition; 1 = single record):
    #: receiver noise std / sqrt(N), energy per MAC x N (operating point)
    scope_averages: int = Field(1, ge=1, le=1 << 20)
    edges: list[EdgeNode] = Field(min_length=1)
    centre: Centre
    devices: Devices = Devices()

    @model_validator(mode="before")
    @classmethod
    def _centre_kind(cls, data):
        """The bench file names the scheme once (``[topology] scheme``): it
        becomes the centre's discriminator ``kind``."""
        if isinstance(data, dict) and isinstance(data.get("centre"), dict):
            centre = data["centre"]
            scheme = data.get("scheme", cls.model_fields["scheme"].default)
            if centre.get("kind", scheme) != scheme:
                raise key_error(("centre", "kind"), centre["kind"], f"{scheme!r} (the scheme)")
            data = {**data, "centre": {**centre, "kind": scheme}}
        return data

    @model_validator(mode="after")
    def _consistent(self):
        names = [e.name for e in self.edges]
        if len(set(names)) != len(names):
            raise ValueError(f"edge node names must be unique, got {names}")
        self.centre.check_edges(self.edges)
        return self

    def edge(self, name: str) -> EdgeNode:
        return next(e for e in self.edges if e.name == name)

    @property
    def size(self) -> int:
        """N of the scheme (its centre's ``size``): centre ports (wdm) or lanes (time)."""
        return self.centre.size


def with_ports(topology: Topology, n: int) -> Topology:
    """``topology`` resized to ``n`` (centre ports in wdm, lanes in time) by its
    centre's ``resized``: for energy scaling studies (labctl.energy.scaled_bench).
    The instruments it names are the bench's; their channel counts are not checked."""
    if n < 1:
        raise ValueError(f"ports must be >= 1, got {n}")
    return Topology.model_validate(topology.centre.resized(topology.model_dump(), n))
