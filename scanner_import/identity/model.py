"""The digit classifier: a small multilayer perceptron evaluated with numpy.

``digits.npz`` beside this file holds its weights (float16, made offline by
``train_digits.py``; nothing is fetched at run time): ``w1`` (SIZE*SIZE x H),
``b1``, ``w2`` (H x 10), ``b2``, the softmax ``temperature`` fitted on held-out
data, and ``meta`` (a JSON string: how and on what it was trained, its measured
accuracy).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .glyph import SIZE

WEIGHTS = Path(__file__).with_name("digits.npz")


class DigitClassifier:
    """``probabilities(glyphs)`` -> (n, 10) softmax rows, one per SIZE x SIZE glyph."""

    def __init__(self, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray,
                 temperature: float = 1.0, meta: dict | None = None):
        self.w1 = np.asarray(w1, np.float32)
        self.b1 = np.asarray(b1, np.float32)
        self.w2 = np.asarray(w2, np.float32)
        self.b2 = np.asarray(b2, np.float32)
        self.temperature = float(temperature)
        self.meta = meta or {}
        if self.w1.shape[0] != SIZE * SIZE or self.w2.shape[1] != 10:
            raise ValueError(f"weights do not fit {SIZE}x{SIZE} glyphs and 10 classes")

    @classmethod
    def load(cls, path: str | Path = WEIGHTS) -> "DigitClassifier":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"])) if "meta" in z else {}
            return cls(z["w1"], z["b1"], z["w2"], z["b2"], float(z["temperature"]), meta)

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, w1=self.w1.astype(np.float16), b1=self.b1.astype(np.float16),
                            w2=self.w2.astype(np.float16), b2=self.b2.astype(np.float16),
                            temperature=np.float32(self.temperature),
                            meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    def logits(self, glyphs: np.ndarray) -> np.ndarray:
        x = np.asarray(glyphs, np.float32).reshape(len(glyphs), SIZE * SIZE)
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        return hidden @ self.w2 + self.b2

    def probabilities(self, glyphs: np.ndarray) -> np.ndarray:
        if len(glyphs) == 0:
            return np.zeros((0, 10))
        z = self.logits(glyphs).astype(np.float64) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def default_classifier() -> DigitClassifier:
    """The shipped model (loaded once)."""
    return DigitClassifier.load()
