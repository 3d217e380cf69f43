"""The digit classifier: a small convolutional network evaluated with numpy.

``digits.npz`` beside this file holds its weights (float16, made offline by
``train_digits.py`` with PyTorch; nothing is fetched at run time, no torch at run
time): ``c1w`` (C1 x 1 x 3 x 3), ``c1b``, ``c2w`` (C2 x C1 x 3 x 3), ``c2b``,
``f1w`` (C2*5*5 x H, the input in channel, row, column order), ``f1b``, ``f2w``
(H x 10), ``f2b``; the softmax ``temperature`` fitted on held-out data, ``meta`` (a JSON
string: how and on what it was trained, its measured accuracy), and ``check_x`` / ``check_logits``: a
few glyphs and the logits PyTorch gave for them (a test holds numpy to them). The model
card is docs/model-card-digits.md.

The network: the 20 x 20 glyph -> 3x3 convolution (C1, padding 1), ReLU, 2x2 max
pooling -> 3x3 convolution (C2), ReLU, 2x2 max pooling -> dense H, ReLU -> dense 10.
The convolutions are one matrix product each over the 3x3 patches (im2col), cut into
blocks small enough that OpenBLAS does not wake its threads.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .glyph import SIZE

WEIGHTS = Path(__file__).with_name("digits.npz")
NAMES = ("c1w", "c1b", "c2w", "c2b", "f1w", "f1b", "f2w", "f2b")


# OpenBLAS hands a matrix product above about 2**18 multiply-adds to its threads; on a busy
# machine (the scan import's worker threads) waking them costs more than the product: 25
# glyphs took 100 ms instead of 2. The products are cut into row blocks below that size.
_BLOCK = 200_000


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    step = max(1, _BLOCK // (b.shape[0] * b.shape[1]))
    if len(a) <= step:
        return a @ b
    return np.concatenate([a[i:i + step] @ b for i in range(0, len(a), step)])


def _conv_relu_pool(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (n, H, W, Cin) -> 3x3 convolution with padding 1, ReLU, 2x2 max pooling -> (n, H/2, W/2, Cout).
    ``w`` is the (9*Cin, Cout) matrix of the kernel, rows in (dy, dx, cin) order."""
    n, h, wd, cin = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.concatenate([xp[:, dy:dy + h, dx:dx + wd, :] for dy in range(3) for dx in range(3)], axis=3)
    y = np.maximum(_matmul(cols.reshape(n * h * wd, 9 * cin), w) + b, 0.0).reshape(n, h, wd, w.shape[1])
    return np.maximum(np.maximum(y[:, 0::2, 0::2], y[:, 1::2, 0::2]),
                      np.maximum(y[:, 0::2, 1::2], y[:, 1::2, 1::2]))


class DigitClassifier:
    """``probabilities(glyphs)`` -> (n, 10) rows of probabilities, one per SIZE x SIZE glyph."""

    def __init__(self, params: dict[str, np.ndarray], temperature: float = 1.0, meta: dict | None = None):
        missing = [k for k in NAMES if k not in params]
        if missing:
            raise ValueError(f"weights missing: {', '.join(missing)}")
        self.params = {k: np.asarray(params[k], np.float32) for k in NAMES}
        self.temperature = float(temperature)
        self.meta = meta or {}
        self.check: tuple[np.ndarray, np.ndarray] | None = None   # (glyphs, PyTorch's logits for them)
        p = self.params
        if p["c1w"].shape[1:] != (1, 3, 3) or p["f2w"].shape[1] != 10 or \
                p["f1w"].shape[0] != p["c2w"].shape[0] * (SIZE // 4) ** 2:
            raise ValueError(f"weights do not fit {SIZE}x{SIZE} glyphs and 10 classes")
        # the kernels as im2col matrices; the first dense layer's rows in (row, column, channel)
        # order, the order of the pooled maps here (PyTorch flattens channel first)
        self._k1 = np.ascontiguousarray(p["c1w"].transpose(2, 3, 1, 0).reshape(9, -1))
        self._k2 = np.ascontiguousarray(p["c2w"].transpose(2, 3, 1, 0).reshape(9 * p["c1w"].shape[0], -1))
        c2, side = p["c2w"].shape[0], SIZE // 4
        self._f1 = np.ascontiguousarray(
            p["f1w"].reshape(c2, side, side, -1).transpose(1, 2, 0, 3).reshape(c2 * side * side, -1))

    @property
    def size(self) -> int:
        """Number of parameters."""
        return sum(v.size for v in self.params.values())

    @classmethod
    def load(cls, path: str | Path = WEIGHTS) -> "DigitClassifier":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"])) if "meta" in z else {}
            model = cls({k: z[k] for k in NAMES}, float(z["temperature"]), meta)
            if "check_x" in z:
                model.check = (z["check_x"].astype(np.float32), z["check_logits"].astype(np.float32))
            return model

    def save(self, path: str | Path) -> None:
        extra = {} if self.check is None else {"check_x": self.check[0].astype(np.float16),
                                               "check_logits": self.check[1].astype(np.float32)}
        np.savez_compressed(path, **{k: v.astype(np.float16) for k, v in self.params.items()},
                            temperature=np.float32(self.temperature),
                            meta=np.array(json.dumps(self.meta, ensure_ascii=False)), **extra)

    def logits(self, glyphs: np.ndarray) -> np.ndarray:
        p = self.params
        x = np.asarray(glyphs, np.float32).reshape(len(glyphs), SIZE, SIZE, 1)
        x = _conv_relu_pool(x, self._k1, p["c1b"])
        x = _conv_relu_pool(x, self._k2, p["c2b"])
        h = np.maximum(_matmul(x.reshape(len(x), -1), self._f1) + p["f1b"], 0.0)
        return h @ p["f2w"] + p["f2b"]

    def _softmax_log(self, z: np.ndarray) -> np.ndarray:
        z = z.astype(np.float64) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def probabilities(self, glyphs: np.ndarray, shifts: bool = True) -> np.ndarray:
        """(n, 10) probabilities. With ``shifts`` (the default) the glyph is also read
        moved by one pixel left, right, up and down (one batch of 5n), and the five
        readings' log probabilities are averaged (a geometric mean, renormalised): a
        digit read the same way each time keeps its confidence, one that flips between
        readings loses it (docs/identity.md §3)."""
        g = np.asarray(glyphs, np.float32).reshape(len(glyphs), SIZE, SIZE)
        if len(g) == 0:
            return np.zeros((0, 10))
        variants = [g]
        if shifts:
            variants += [np.roll(g, step, axis=axis) for step in (-1, 1) for axis in (1, 2)]
        logp = self._softmax_log(self.logits(np.concatenate(variants)))
        logp = logp.reshape(len(variants), len(g), 10).mean(axis=0)
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def default_classifier() -> DigitClassifier:
    """The shipped model (loaded once)."""
    return DigitClassifier.load()
