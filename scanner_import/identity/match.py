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
* the whole stack's assignment beats, by the same margin, the best assignment
  in which this page does *not* get this participant (the assignment is re-solved
  with that one pair forbidden). This is what catches another page that reads
  as this code too (two pages reading as one code are both pending), while a
  neighbour page that reads firmly as its own code, one digit away, is no threat.

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
# Chosen on the synthetic stacks of bench/identity_accuracy.py (docs/identity.md §4 has the
# table): the lowest floor with no wrong placement in any scenario is 0.7; 0.75 keeps a notch
# of room. With a floor of 0.75 the next code has at most 0.25, so the margin only adds a
# little: ln 5.
AUTO_FLOOR = 0.75
AUTO_MARGIN = math.log(5.0)    # nats: the code at least 5 times as likely as the next


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
    margin: float                    # nats: the smaller of the two margins below (-inf: unassigned)
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


def _total_without(S: np.ndarray, r: int, j: int) -> float:
    """The best one-to-one total with page r kept off participant j."""
    forbidden = S.copy()
    forbidden[r, j] = S.min() - 1e6
    rows, cols = linear_sum_assignment(-forbidden)
    return float(forbidden[rows, cols].sum())


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
    total = float(S[rows, cols].sum())
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
        code_gap = float(score - rivals_code.max()) if rivals_code.size else math.inf
        confidence = float(math.exp(score))
        if confidence < floor:
            gap, reason = code_gap, f"confidence {confidence:.2f} below the floor {floor:.2f}"
        elif code_gap < margin:
            gap, reason = code_gap, f"another code is too close ({code_gap:.1f} nats < {margin:.1f})"
        else:
            stack_gap = total - _total_without(S, r, j)
            gap = min(code_gap, stack_gap)
            reason = "" if stack_gap >= margin else \
                f"another page reads as this code too ({stack_gap:.1f} nats < {margin:.1f})"
        out[i] = PageMatch(i, roster[j], reason == "", confidence, gap, cands, reason)
    return out  # type: ignore[return-value]
