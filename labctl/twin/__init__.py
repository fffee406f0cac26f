"""Digital twin: estimate the simulated bench's device parameters from what a
real bench measures (``labctl twin fit``, sequence ``twin-fit``).

* :mod:`labctl.twin.measure`: the raw measurements, taken through an
  :class:`~labctl.mvm.engine.OpticalEngine` only (AWG codes, laser outputs,
  scope volts), so they run the same on a real bench, the simulated SCPI
  servers or the in-process table;
* :mod:`labctl.twin.estimators`: one least-squares estimator per device
  figure (scipy.optimize.least_squares with bounds), each returning values
  with standard errors ``sigma^2 (J^T J)^-1``;
* :mod:`labctl.twin.links`: per-edge span length (preamble arrival skew, fitted
  against in-process twins) and span loss (power-meter taps);
* :mod:`labctl.twin.bench_text`: the fitted bench file (``[topology.devices]``
  and each edge's spans rewritten, each fitted value's standard error in a comment).
"""
