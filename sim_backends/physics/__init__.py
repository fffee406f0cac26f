"""Device physics of the simulated bench (issue 2).

One module per device, each a frozen dataclass of parameters in SI units with
datasheet defaults (source named in the module docstring) and methods mapping
a signal to a signal:

=================  ==========================================================
units              dBm <-> W, dB <-> linear, constants, D/S unit conversion
streams            ``Streams(seed).rng(*names)``: deterministic noise streams
filters            analog frequency responses applied by FFT (overlap-save)
chunks             chunked evaluation of a memoryless/LTI chain (cache-sized)
quantiser          mid-rise quantiser shared by DAC and ADC
dac                ``DAC.to_volts(codes, rng)``: AWG codes -> volts
driver_amp         ``DriverAmp.amplify(volts, fs)``
laser              ``Laser.field(n, fs, rng)``, ``CombSource.field(...)``
mzm                ``MZM.modulate(field, volts)``, ``bias_voltage(mode, v_pi)``
fibre              ``Fibre.propagate(field, fs, wavelengths)``
edfa               ``EDFA.amplify(field, fs, wavelengths, rng)``
awgr               ``AWGR.propagate(fields[p, w, s], fs, wavelengths)``
microring          ``MicroRing.through/drop(wavelength, heater_power)``, ``RingBank``
mux                ``Mux.combine(fields)``, ``Demux.split(field)``
photodiode         ``Photodiode.detect(field, fs, rng) -> V``
adc                ``ADC.acquire(volts, fs, rng) -> uint16 codes``
pam                PAM2/PAM4 Gray mapping, shaping, reference receiver, BER CI
link               ``link.run(LinkConfig(...), seed) -> LinkResult`` (1 laser or a WDM comb)
=================  ==========================================================

Optical fields are complex arrays [wavelengths, samples] in sqrt(W);
electrical signals real arrays in V or A.  Every noise source is switched by
its device's ``noise`` field (and finer switches where a device has several
sources), and any model given ``rng=None`` is noiseless, so an error budget can
switch DAC, RIN, shot, thermal, ASE, crosstalk and ADC noise off one at a time.
"""
