"""Closed-form results the physics tests compare against (written out here,
independently of the models under test)."""
import numpy as np
from scipy.special import erfc

Q_E = 1.602176634e-19      # elementary charge, C
H_PLANCK = 6.62607015e-34  # J s
C_LIGHT = 299792458.0      # m/s


def q_function(x):
    """Gaussian tail Q(x) = erfc(x / sqrt 2) / 2."""
    return 0.5 * erfc(np.asarray(x) / np.sqrt(2))


def gaussian_enbw(f3db):
    """Noise bandwidth of |H|^2 = exp(-ln2 (f/f3dB)^2): int_0^inf |H|^2 df."""
    return 0.5 * np.sqrt(np.pi / np.log(2)) * f3db
