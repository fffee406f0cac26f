"""Optical topology of a bench: edge nodes, metro spans and the computing centre.

This is the ``[topology]`` table of a bench file (see DESIGN.md, "The data path").
Every model forbids unknown keys, so a typo in the bench file is an error that
names the key path.  Units are SI except where the field name says otherwise
(``*_db``, ``*_dbm``, ``*_ps_nm_km``: the units the datasheets and bench files use;
they are converted once, where they are used).

Two computing schemes (DESIGN.md):

* ``wdm``: each edge port ``p`` carries an N-line comb modulated by one MZM with
  ``x_p``; a micro-ring bank sets the weight of comb line ``k`` at port ``p``; a
  cyclic N x N AWGR sends ``(p, lambda_k)`` to output ``q = (p - k) mod N``; one
  photodiode per output: ``y_q = sum_p w[p, (p - q) mod N] x_p``.
* ``time``: ``x_k`` on the edge MZM and ``w_jk`` on a cascaded centre MZM driven
  by the weight AWG in the same symbol slot; each lane (one wavelength, one
  weight-AWG channel, one photodiode) computes another row ``j`` in parallel.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SPEED_OF_LIGHT = 299_792_458.0  # m/s


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(_Strict):
    """One metro fibre span. Defaults: Corning SMF-28 Ultra datasheet
    (attenuation <= 0.18-0.20 dB/km at 1550 nm, D = 17 ps/(nm km) typ.,
    slope 0.057 ps/(nm^2 km), group index 1.4682)."""

    length_m: float = Field(gt=0)
    loss_db_per_km: float = Field(0.20, ge=0)
    dispersion_ps_nm_km: float = 17.0
    slope_ps_nm2_km: float = 0.057
    group_index: float = Field(1.4682, gt=1)

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
    #: dispersion-compensating module at the centre input: fraction of the span
    #: dispersion and slope it removes (slope-matched DCF ~1.0); 0 = none
    dcm_ratio: float = Field(1.0, ge=0, le=1.2)
    dcm_loss_db: float = Field(4.0, ge=0)  # OFS WideBand DCM for 40 km: 3-5 dB

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


class Centre(_Strict):
    ports: int = Field(8, ge=1)
    wavelengths: int = Field(8, ge=1)
    comb_spacing_hz: float = Field(100e9, gt=0)
    awgr: Awgr = Awgr()
    rings: RingBank | None = None
    #: wdm: one photodiode per AWGR output q (length = ports)
    photodiodes: list[Photodiode] = Field(default_factory=list)
    #: time scheme: weight AWG and its lanes
    weight_awg: str | None = None
    lanes: list[Lane] = Field(default_factory=list)


class MzmParams(_Strict):
    """LiNbO3 intensity modulator. Defaults: Thorlabs LN81S-FC / iXblue MX-LN-40
    class datasheets: RF V_pi 5 V, DC extinction ratio > 20 dB (25 typ.),
    insertion loss 4 dB. ``bias_spread`` is the static phase error of each
    modulator's quadrature point (rad, random per device, removed by calibration)."""

    v_pi: float = Field(5.0, gt=0)
    extinction_ratio_db: float = Field(25.0, gt=0)
    insertion_loss_db: float = Field(4.0, ge=0)
    bias_spread_rad: float = Field(0.15, ge=0)
    driver_gain: float = Field(1.0, gt=0)  # V at the MZM per V at the AWG output
    bandwidth_hz: float = Field(30e9, gt=0)


class RingParams(_Strict):
    """Silicon micro-ring (all-pass, thermally tuned). Defaults: loaded Q ~ 2e4
    (FWHM ~ 10 GHz at 1550 nm), notch extinction 20 dB, heater tuning
    efficiency 0.25 nm/mW with a 1 kOhm heater (typical SOI rings, e.g.
    Tait et al., Sci. Rep. 7, 7430 (2017)), 5 % thermal crosstalk to the
    neighbouring heater, as-fabricated resonances 0.1-1.0 nm blue of their line."""

    fwhm_hz: float = Field(10e9, gt=0)
    extinction_db: float = Field(20.0, gt=0)
    tuning_nm_per_mw: float = Field(0.25, gt=0)
    heater_resistance_ohm: float = Field(1000.0, gt=0)
    thermal_crosstalk: float = Field(0.05, ge=0, lt=1)
    fab_offset_nm: tuple[float, float] = (0.1, 1.0)
    insertion_loss_db: float = Field(1.0, ge=0)


class PhotodiodeParams(_Strict):
    """PIN photodiode + TIA. Defaults: 50 GHz-class InGaAs PIN
    (e.g. Finisar XPDV2120R: 0.65 A/W; 0.8 A/W for PIN+TIA receivers, 1550 nm) with a linear TIA of 1 kOhm and 20 pA/sqrt(Hz)
    input-referred noise (e.g. Inphi/Marvell linear TIAs, 15-25 pA/sqrt(Hz))."""

    responsivity_a_per_w: float = Field(0.8, gt=0)
    transimpedance_ohm: float = Field(1000.0, gt=0)
    input_noise_a_per_rthz: float = Field(20e-12, ge=0)
    bandwidth_hz: float = Field(30e9, gt=0)
    dark_current_a: float = Field(5e-9, ge=0)


class EdfaParams(_Strict):
    """Booster/pre-amplifier EDFA. Default noise figure 5 dB (e.g. Amonics
    AEDFA-C / Lumentum OA-series datasheets: NF < 5.5 dB)."""

    noise_figure_db: float = Field(5.0, gt=0)
    optical_bandwidth_hz: float = Field(4.0e12, gt=0)  # C-band gain window at the PD


class LaserParams(_Strict):
    """Comb / seed source. RIN -145 dB/Hz (Santec TSL-570 datasheet: <= -145 dB/Hz),
    comb line power flatness +-1 dB (electro-optic combs, typ.)."""

    rin_db_per_hz: float = -145.0
    comb_flatness_db: float = Field(1.0, ge=0)


class DacParams(_Strict):
    """AWG analogue front end beyond the code quantisation: effective bits
    (Keysight M8196A ~5.5 ENOB at high frequency is the 8-bit figure; datasheet
    SFDR/ENOB), analogue bandwidth (M8196A: 32 GHz)."""

    enob: float = Field(5.5, gt=0)
    bandwidth_hz: float = Field(32e9, gt=0)


class AdcParams(_Strict):
    """Scope front end beyond the code quantisation: effective bits at the used
    bandwidth (Keysight UXR 10-bit: ~6.5 ENOB at full bandwidth; Tek DPO70000 8-bit:
    ~5.5 ENOB) per scope, and analogue bandwidth."""

    enob: dict[str, float] = Field(default_factory=dict)
    default_enob: float = Field(6.0, gt=0)
    bandwidth_hz: float = Field(33e9, gt=0)


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

    scheme: Literal["time", "wdm"] = "wdm"
    #: symbol rate of the products (Bd); the AWG sample rate sets samples per symbol
    symbol_rate_hz: float = Field(10e9, gt=0)
    edges: list[EdgeNode] = Field(min_length=1)
    centre: Centre
    devices: Devices = Devices()

    @model_validator(mode="after")
    def _consistent(self):
        names = [e.name for e in self.edges]
        if len(set(names)) != len(names):
            raise ValueError(f"edge node names must be unique, got {names}")
        ports = [p for e in self.edges for p in e.ports]
        if self.scheme == "wdm":
            n = self.centre.ports
            if self.centre.wavelengths != n:
                raise ValueError("wdm: a cyclic N x N AWGR needs wavelengths == ports")
            if sorted(ports) != list(range(n)):
                raise ValueError(f"wdm: edge ports must cover 0..{n - 1} once each, got {sorted(ports)}")
            if len(self.centre.photodiodes) != n:
                raise ValueError(f"wdm: need {n} photodiodes (one per AWGR output), "
                                 f"got {len(self.centre.photodiodes)}")
            if self.centre.rings is None:
                raise ValueError("wdm: centre.rings (micro-ring bank) is required")
        else:
            if not self.centre.lanes:
                raise ValueError("time: centre.lanes must list at least one lane")
            if self.centre.weight_awg is None:
                raise ValueError("time: centre.weight_awg is required")
            for lane in self.centre.lanes:
                if lane.edge not in names:
                    raise ValueError(f"time: lane edge {lane.edge!r} is not one of {names}")
        return self

    def edge(self, name: str) -> EdgeNode:
        return next(e for e in self.edges if e.name == name)
