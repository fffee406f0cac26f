"""Generative models and classifiers rebuilt from shipped weights (numpy only).

Randomness: ``sample(count, seed, ...)`` draws every latent / initial noise from
``numpy.random.default_rng(seed)`` *before* any product, in a fixed order, so the
same seed gives the same latents whatever the backend; the first k images of a
larger ``count`` equal those of ``count = k``.
"""
from __future__ import annotations

import numpy as np

from labctl.models.backends import DigitalBackend
from labctl.models.network import LayerInfo, Network, ProductHook
from labctl.models.schedule import cosine_alpha_bar, ddim_step, ddim_timesteps


def to_uint8(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map model outputs in [lo, hi] linearly to 0..255 (rounded, clipped) as uint8."""
    scaled = (np.asarray(values, dtype=np.float64) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


class GenerativeModel:
    """Base: a named network trained on ``dataset`` producing ``image_shape`` images."""

    kind = "generative"

    def __init__(self, manifest: dict, arrays: dict[str, np.ndarray]):
        arch = manifest["architecture"]
        self.manifest = manifest
        self.name: str = manifest["name"]
        self.dataset: str = manifest["dataset"]
        self.image_shape: tuple[int, int] = tuple(arch["image_shape"])
        self.network = Network(arch["layers"], arrays)
        self.output_range = tuple(arch["output_range"])

    @property
    def layers(self) -> list[LayerInfo]:
        """The affine layers, in order (for per-layer statistics)."""
        return self.network.infos

    @property
    def weights_sha256(self) -> str:
        return self.manifest["sha256"]

    @property
    def network_calls_per_image(self) -> int:
        """How many times the network runs per generated image."""
        return 1

    @property
    def macs_per_image(self) -> int:
        """Multiply-accumulates through the backend per generated image."""
        return self.network_calls_per_image * sum(i.macs_per_column for i in self.layers)

    def sample(self, count: int, seed: int = 0, backend=None, hook: ProductHook | None = None,
               batch_size: int = 256) -> np.ndarray:
        """Generate ``count`` images -> uint8 [count, H, W].

        ``backend`` (default :class:`DigitalBackend`) does every product; ``hook`` sees
        each normalised product (see :mod:`labctl.models.network`); the images are
        processed ``batch_size`` at a time (results do not depend on it).
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        backend = backend or DigitalBackend()
        noise = self.initial_noise(count, seed)
        chunks = [self._generate(noise[:, start:start + batch_size], backend, hook)
                  for start in range(0, count, batch_size)]
        flat = np.concatenate(chunks, axis=1)
        return to_uint8(flat.T, *self.output_range).reshape(count, *self.image_shape)

    def initial_noise(self, count: int, seed: int) -> np.ndarray:
        """The standard-normal latents [dim, count] that seed ``seed`` gives."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((count, self.noise_dim)).T

    @property
    def noise_dim(self) -> int:
        raise NotImplementedError

    def _generate(self, noise: np.ndarray, backend, hook) -> np.ndarray:
        raise NotImplementedError


class LatentDecoder(GenerativeModel):
    """VAE decoder or GAN generator: one pass of the MLP from a Gaussian latent."""

    def __init__(self, manifest: dict, arrays: dict[str, np.ndarray]):
        super().__init__(manifest, arrays)
        self.kind = manifest["architecture"]["kind"]
        self.latent_dim = int(manifest["architecture"]["latent_dim"])

    @property
    def noise_dim(self) -> int:
        return self.latent_dim

    def _generate(self, noise, backend, hook):
        return self.network.forward(noise, backend, hook)


class DiffusionModel(GenerativeModel):
    """DDPM-trained MLP denoiser (v-prediction) sampled with deterministic DDIM (eta = 0).

    Each step runs the denoiser once through the backend; the schedule, the DDIM
    update and the x0 clipping stay digital (:mod:`labctl.models.schedule`).
    """

    kind = "diffusion"

    def __init__(self, manifest: dict, arrays: dict[str, np.ndarray]):
        super().__init__(manifest, arrays)
        arch = manifest["architecture"]
        if arch.get("prediction") != "v":
            raise ValueError(f"{self.name}: only v-prediction denoisers are supported")
        self.timesteps = int(arch["timesteps"])
        self.sampling_steps = int(arch["sampling_steps"])
        self.alpha_bar = cosine_alpha_bar(self.timesteps)
        self.steps = ddim_timesteps(self.timesteps, self.sampling_steps)

    @property
    def noise_dim(self) -> int:
        return self.layers[0].in_features

    @property
    def network_calls_per_image(self) -> int:
        return len(self.steps)

    def _generate(self, noise, backend, hook):
        x = noise
        for index, t in enumerate(self.steps):
            v = self.network.forward(x, backend, hook, t=int(t))
            prev = self.alpha_bar[self.steps[index + 1]] if index + 1 < len(self.steps) else 1.0
            x = ddim_step(x, v, self.alpha_bar[t], prev)
        return x


class LatentDiffusionModel(DiffusionModel):
    """Latent diffusion: DDIM over a VAE's latent space, then the VAE decoder.

    The denoiser (``architecture.layers``) works on latents scaled into [-1, 1];
    the result is multiplied by ``latent_scale`` (per dimension) and decoded by
    ``architecture.decoder_layers``.  Both networks' products go through the backend.
    """

    kind = "latent-diffusion"

    def __init__(self, manifest: dict, arrays: dict[str, np.ndarray]):
        super().__init__(manifest, arrays)
        self.decoder = Network(manifest["architecture"]["decoder_layers"], arrays)
        self.latent_scale = np.asarray(arrays["latent_scale"], dtype=np.float64)

    @property
    def layers(self) -> list[LayerInfo]:
        return self.network.infos + self.decoder.infos

    @property
    def macs_per_image(self) -> int:
        per_call = sum(i.macs_per_column for i in self.network.infos)
        return len(self.steps) * per_call + sum(i.macs_per_column for i in self.decoder.infos)

    def _generate(self, noise, backend, hook):
        latent = super()._generate(noise, backend, hook) * self.latent_scale[:, None]
        return self.decoder.forward(latent, backend, hook)


class Classifier:
    """MLP classifier for quality metrics (always digital)."""

    def __init__(self, manifest: dict, arrays: dict[str, np.ndarray]):
        self.manifest = manifest
        self.name: str = manifest["name"]
        self.dataset: str = manifest["dataset"]
        self.image_shape = tuple(manifest["architecture"]["image_shape"])
        self.network = Network(manifest["architecture"]["layers"], arrays)
        self._backend = DigitalBackend()

    def _input(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"{self.name} expects images of shape {self.image_shape}, "
                             f"got {images.shape[1:]}")
        return images.reshape(len(images), -1).T.astype(np.float64) / 255.0

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Class scores [N, 10] for uint8 images [N, H, W]."""
        return self.network.forward(self._input(images), self._backend).T

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted class labels [N] for uint8 images [N, H, W]."""
        return self.logits(images).argmax(axis=1)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Penultimate-layer activations [N, F] (for the Frechet distance)."""
        return self.network.forward(self._input(images), self._backend, features=True).T
