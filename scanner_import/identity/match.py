"""Match a stack of read title pages one-to-one against a school's participant codes.

Score: page i read as table ``P_i`` (N x 10), participant j with code ``c_j``:

    S[i, j] = sum_k log P_i[k, c_j[k]]

(each probability first mixed with ``EPSILON`` of the uniform, so one digit can
never veto a code outright). ``exp(S[i, j])`` is the probability, under the
reading, that the page carries exactly that code: the *confidence* reported for
a candidate. The whole stack is assigned at once by
``scipy.optimize.linear_sum_assignment`` maximising the total score (every page
to at most one participant and back; more pages than codes or more codes than
pages is fine, some stay unassigned).

A page's assignment is **automatic** only when all of these hold:

* its confidence is at least ``floor`` (``AUTO_FLOOR``): every digit of the code
  is read as that digit with high probability - this is what keeps a page whose
  code is missing from the roster, or a smudged digit, out;
* the code beats the page's next-best participant by ``margin`` nats
  (``AUTO_MARGIN``: a likelihood ratio of at least e**margin);
* the page beats every other page's claim on that participant by the same
  margin (two pages that both read as one code are both pending).

Everything else is **pending**, with the assignment's suggestion (if any) and the
top candidates by confidence, for a person to confirm.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

EPSILON = 1e-3
AUTO_FLOOR = 0.5
AUTO_MARGIN = math.log(100.0)


@dataclass(frozen=True)
class Candidate:
    participant: str
    confidence: float        # probability that the page carries exactly this code


@dataclass(frozen=True)
class PageMatch:
    page: int                        # index into the list of readings given
    participant: str | None          # the one-to-one assignment's choice (None: unassigned)
    automatic: bool                  # True: place it; False: pending, a person confirms
    confidence: float                # of ``participant`` (0.0 when unassigned)
    margin: float                    # nats over the closest rival (page's or participant's), -inf if none
    candidates: tuple[Candidate, ...]   # best first
    reason: str                      # "" when automatic, else why pending


def _check_roster(roster: Sequence[str], digits: int) -> None:
    if len(set(roster)) != len(roster):
        raise ValueError("the roster holds a code twice")
    for code in roster:
        if len(code) != digits or not code.isdigit():
            raise ValueError(f"participant code {code!r} is not {digits} digits")


def score_matrix(tables: Sequence[np.ndarray], roster: Sequence[str]) -> np.ndarray:
    """S[i, j] (see the module docstring) for tables (N x 10 each) and codes of N digits."""
    if not tables or not roster:
        return np.zeros((len(tables), len(roster)))
    digits = np.asarray(tables[0]).shape[0]
    _check_roster(roster, digits)
    logp = np.log((1 - EPSILON) * np.stack([np.asarray(t, float) for t in tables]) + EPSILON / 10)
    codes = np.array([[int(ch) for ch in c] for c in roster])            # (J, N)
    # logp: (I, N, 10); pick logp[i, k, codes[j, k]] and sum over k
    return logp[:, np.arange(digits)[None, :], codes].sum(axis=2)       # (I, J)


def match_pages(tables: Sequence[np.ndarray | None], roster: Sequence[str], *,
                floor: float = AUTO_FLOOR, margin: float = AUTO_MARGIN, top: int = 3) -> list[PageMatch]:
    """One :class:`PageMatch` per entry of ``tables`` (None: a page that was not read,
    pending with no candidates), in the same order."""
    read = [i for i, t in enumerate(tables) if t is not None]
    out: list[PageMatch | None] = [None] * len(tables)
    for i, t in enumerate(tables):
        if t is None:
            out[i] = PageMatch(i, None, False, 0.0, -math.inf, (), "the code was not read")
    if not read or not roster:
        for i in read:
            out[i] = PageMatch(i, None, False, 0.0, -math.inf, (), "no participant codes to match")
        return out  # type: ignore[return-value]
    S = score_matrix([tables[i] for i in read], roster)
    rows, cols = linear_sum_assignment(-S)
    assigned = dict(zip(rows.tolist(), cols.tolist()))
    for r, i in enumerate(read):
        order = np.argsort(-S[r], kind="stable")[:max(top, 1)]
        cands = tuple(Candidate(roster[j], float(math.exp(S[r, j]))) for j in order)
        j = assigned.get(r)
        if j is None:
            out[i] = PageMatch(i, None, False, 0.0, -math.inf, cands,
                               "more pages than codes: the assignment left this page out")
            continue
        score = S[r, j]
        rivals_code = np.delete(S[r], j)
        rivals_page = np.delete(S[:, j], r)
        gap = min(score - rivals_code.max() if rivals_code.size else math.inf,
                  score - rivals_page.max() if rivals_page.size else math.inf)
        confidence = float(math.exp(score))
        if confidence < floor:
            reason = f"confidence {confidence:.2f} below the floor {floor:.2f}"
        elif rivals_code.size and score - rivals_code.max() < margin:
            reason = f"another code is too close ({score - rivals_code.max():.1f} nats < {margin:.1f})"
        elif rivals_page.size and score - rivals_page.max() < margin:
            reason = "another page reads as this code too"
        else:
            reason = ""
        out[i] = PageMatch(i, roster[j], reason == "", confidence, float(gap), cands, reason)
    return out  # type: ignore[return-value]
