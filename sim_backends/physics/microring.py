"""Add-drop micro-ring resonators with thermal (heater) tuning, and a
weight bank of rings on one bus.

Transfer (Bogaerts et al., "Silicon microring resonators", Laser Photonics
Rev. 6, 47 (2012), eqs. 5-6), symmetric coupling r1 = r2 = r, round-trip
amplitude a::

    phi     = 2 pi (lambda_res - lambda) / FSR          (phase detuning)
    t_thru  = (r a e^{j phi} - r) / (1 - r^2 a e^{j phi})
    t_drop  = -(1 - r^2) sqrt(a) e^{j phi/2} / (1 - r^2 a e^{j phi})

Periodic in lambda with period FSR; near each resonance the drop power is a
Lorentzian of FWHM lambda/Q_loaded.  r^2 a = s^2 follows from the finesse
F = FSR Q / lambda:  F = pi s / (1 - s^2)  =>  s = (-pi + sqrt(pi^2 + 4F^2)) / (2F).

Thermal tuning: lambda_res(P) = lambda_0 + eta P, heater power P (W),
eta in m/W (datasheets quote nm/mW; 1 nm/mW = 1e-6 m/W).  Heater power from
the current source: P = I^2 R (or I V when both are read back).

The ring adds no noise.

Defaults: a silicon micro-ring of ~10 um radius (Bogaerts 2012; typical
foundry PDK figures): FSR ~ 9 nm, loaded Q ~ 1e4, round-trip loss ~0.1 dB,
TiN heater tuning ~0.25 nm/mW, heater resistance ~ 1 kOhm.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np


@dataclass(frozen=True)
class MicroRing:
    """One add-drop ring. SI units: m, W, Ohm."""

    resonance: float = 1550e-9          # m, cold resonance (heater off)
    fsr: float = 9e-9                   # m
    q_loaded: float = 1e4
    round_trip_loss_db: float = 0.1     # dB per round trip (intrinsic)
    tuning: float = 0.25e-6             # m/W (0.25 nm/mW)
    heater_resistance: float = 1e3      # Ohm

    @property
    def a(self) -> float:
        """Round-trip field amplitude."""
        return 10 ** (-self.round_trip_loss_db / 20)

    @property
    def r(self) -> float:
        """Self-coupling of each bus coupler (symmetric), from the finesse."""
        finesse = self.fsr * self.q_loaded / self.resonance
        s = (-np.pi + np.sqrt(np.pi**2 + 4 * finesse**2)) / (2 * finesse)
        r2 = s**2 / self.a
        if r2 >= 1:
            raise ValueError("loaded Q too high for the given round-trip loss")
        return float(np.sqrt(r2))

    def resonance_at(self, heater_power) -> np.ndarray:
        """Resonant wavelength (m) with ``heater_power`` (W)."""
        return self.resonance + self.tuning * np.asarray(heater_power, dtype=float)

    def heater_power(self, current, voltage=None) -> np.ndarray:
        """Heater power (W): I V when the voltage is known, else I^2 R."""
        i = np.asarray(current, dtype=float)
        return i * np.asarray(voltage, dtype=float) if voltage is not None else i**2 * self.heater_resistance

    def _phase(self, wavelength, heater_power):
        return 2 * np.pi * (self.resonance_at(heater_power) - np.asarray(wavelength, dtype=float)) / self.fsr

    def through(self, wavelength, heater_power=0.0) -> np.ndarray:
        """Complex through-port field transmission."""
        e = np.exp(1j * self._phase(wavelength, heater_power))
        r, a = self.r, self.a
        return (r * a * e - r) / (1 - r * r * a * e)

    def drop(self, wavelength, heater_power=0.0) -> np.ndarray:
        """Complex drop-port field transmission."""
        phi = self._phase(wavelength, heater_power)
        r, a = self.r, self.a
        return -(1 - r * r) * np.sqrt(a) * np.exp(0.5j * phi) / (1 - r * r * a * np.exp(1j * phi))


@dataclass(frozen=True)
class RingBank:
    """Rings in series on one bus, ring i nominally on wavelength i.

    Through port of the bank: prod_i t_thru,i.  Drop of ring i:
    t_drop,i * prod_{j<i} t_thru,j.  ``weights(...)`` gives the through-port
    power transmission per wavelength, which is what a weight bank sets.
    """

    rings: tuple = dc_field(default_factory=tuple)

    @classmethod
    def for_wavelengths(cls, wavelengths, detuning: float = 0.0, **ring_kw) -> "RingBank":
        """One ring per wavelength, cold resonance at lambda + detuning (m)."""
        return cls(tuple(MicroRing(resonance=float(w) + detuning, **ring_kw) for w in np.atleast_1d(wavelengths)))

    def through(self, wavelengths, heater_powers) -> np.ndarray:
        """Bank through-port field transmission at each of ``wavelengths``."""
        lam = np.atleast_1d(np.asarray(wavelengths, dtype=float))
        t = np.ones(lam.shape, dtype=complex)
        for ring, p in zip(self.rings, np.atleast_1d(heater_powers)):
            t = t * ring.through(lam, p)
        return t

    def drops(self, wavelengths, heater_powers) -> np.ndarray:
        """Drop-port field transmissions [rings, wavelengths]."""
        lam = np.atleast_1d(np.asarray(wavelengths, dtype=float))
        before = np.ones(lam.shape, dtype=complex)
        out = []
        for ring, p in zip(self.rings, np.atleast_1d(heater_powers)):
            out.append(before * ring.drop(lam, p))
            before = before * ring.through(lam, p)
        return np.array(out)

    def apply(self, field, wavelengths, heater_powers) -> np.ndarray:
        """Through-port field [wavelengths, samples] for input ``field``."""
        t = self.through(wavelengths, heater_powers)
        field = np.asarray(field)
        return field * t.astype(field.dtype)[:, None]
