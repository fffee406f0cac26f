"""Generated images, optical beside digital, with the PSNR of each pair.

Layout: one column per image, optical on top, digital (same model, same seeds,
digital matmuls) below.  PSNR_i = 10 log10(255^2 / MSE(digital_i, optical_i))
in dB (:func:`labctl.imaging.psnr`, digital as the reference).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from labctl.imaging import psnr


def pair_mosaic(optical: np.ndarray, digital: np.ndarray, gap: int = 2) -> np.ndarray:
    """uint8 mosaic [2 H + gap, n W + (n - 1) gap]: optical row above digital row."""
    optical, digital = np.asarray(optical, np.uint8), np.asarray(digital, np.uint8)
    n = min(len(optical), len(digital))
    if n == 0:
        return np.zeros((1, 1), np.uint8)
    h, w = optical.shape[1:]
    out = np.full((2 * h + gap, n * w + (n - 1) * gap), 128, np.uint8)
    for i in range(n):
        x = i * (w + gap)
        out[:h, x:x + w] = optical[i]
        out[h + gap:, x:x + w] = digital[i]
    return out


def pair_psnr(optical: np.ndarray, digital: np.ndarray) -> list[float]:
    """PSNR (dB) of each optical image against its digital twin."""
    return [float(psnr(d, o)) for o, d in zip(optical, digital)]


class ImagePairView(QWidget):
    """Shows the last ``columns`` image pairs and their PSNR."""

    def __init__(self, columns: int = 8, parent=None):
        super().__init__(parent)
        self.columns = columns
        self.psnr_db: list[float] = []
        self.view = pg.GraphicsLayoutWidget()
        self.box = self.view.addViewBox(lockAspect=True, invertY=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image)
        self.caption = QLabel("no images yet (top: optical, bottom: digital)")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, stretch=1)
        layout.addWidget(self.caption)

    def set_images(self, optical: np.ndarray, digital: np.ndarray) -> None:
        optical = np.asarray(optical)[-self.columns:]
        digital = np.asarray(digital)[-self.columns:]
        n = min(len(optical), len(digital))
        self.psnr_db = pair_psnr(optical[:n], digital[:n])
        self.image.setImage(pair_mosaic(optical[:n], digital[:n]), levels=(0, 255))
        self.box.autoRange()
        values = ", ".join(f"{p:.1f}" for p in self.psnr_db)
        mean = f"mean {np.mean(self.psnr_db):.1f} dB" if self.psnr_db else ""
        self.caption.setText(f"top: optical, bottom: digital; PSNR per image (dB): {values}  {mean}")
