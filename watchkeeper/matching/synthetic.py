"""Synthetic face descriptors clustered like real identities, for tests and benchmarks.

Uniform random vectors would flatter or wreck an approximate index for the wrong reasons: real galleries are
many small clusters (a few images per person) spread anisotropically (a face embedding's variance is
concentrated in fewer directions than it has dimensions). Here each identity gets a centre drawn from a
Gaussian whose spectrum decays (effective dimension about 40 of 128), and each enrolled face or probe is
the centre plus isotropic noise of a per-image strength, scaled so that, as with dlib's descriptors,
same-identity distances fall mostly between 0.3 and 0.55 and different-identity ones mostly between 0.75
and 1.15 (dlib's same-person threshold is 0.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from watchkeeper.types import DESCRIPTOR_SIZE

_CENTRE_SPREAD = 0.9
_NOISE = 0.4


@dataclass(frozen=True, slots=True)
class SyntheticGallery:
    """Enrolled ``vectors`` (float32 ``(n, dim)``), the identity of each row and the identity centres."""

    vectors: NDArray[np.float32]
    identity: NDArray[np.int64]
    centres: NDArray[np.float32]
    seed: int

    def probes(self, count: int, seed: int = 1) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Fresh noisy images of ``count`` enrolled identities: (descriptors, their identities)."""
        rng = np.random.default_rng([self.seed, seed])
        who = rng.integers(0, self.centres.shape[0], size=count)
        return _noisy(rng, self.centres[who]), who.astype(np.int64)


def clustered_gallery(
    n: int, dim: int = DESCRIPTOR_SIZE, seed: int = 0, per_identity: tuple[int, int] = (3, 10)
) -> SyntheticGallery:
    """``n`` descriptors of identities with ``per_identity`` (inclusive range) images each."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(per_identity[0], per_identity[1] + 1, size=n // per_identity[0] + 1)
    counts = counts[: int(np.searchsorted(np.cumsum(counts), n)) + 1]
    counts[-1] -= int(counts.sum()) - n
    spectrum = np.exp(-np.arange(dim) / 40.0)
    spectrum /= np.sqrt(np.mean(spectrum**2))
    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    scale = _CENTRE_SPREAD / np.sqrt(2 * dim)
    centres = ((rng.standard_normal((counts.size, dim)) * spectrum) @ rotation.T * scale).astype(np.float32)
    identity = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    return SyntheticGallery(_noisy(rng, centres[identity]), identity, centres, seed)


def _noisy(rng: np.random.Generator, centres: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each centre plus isotropic noise whose strength varies per image (pose, light, blur)."""
    n, dim = centres.shape
    strength = rng.uniform(0.75, 1.25, size=(n, 1)).astype(np.float32) * np.float32(_NOISE / np.sqrt(2 * dim))
    return (centres + rng.standard_normal((n, dim), dtype=np.float32) * strength).astype(np.float32)
