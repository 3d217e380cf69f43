"""Balanced max-flow: the optimisation core of the assignment engine.

The engine reduces "assign every open slot, minimise the maximum load, then
even out" to a flow network whose last layer is one arc per expert into the
sink. This module knows nothing about papers: it gets the arcs, each expert's
current load (``offset``) and hard upper bound (``upper``), and returns a flow
that is *decreasingly minimal* on the loads ``offset + flow``:

1. ``F`` = the maximum number of slots that can be filled at all;
2. ``U`` = the least level such that all ``F`` slots fit with every expert that
   receives work ending at most at ``U`` (the optimum max load, proved by a
   max-flow that falls short at ``U - 1`` or by counting);
3. *progressive filling*: take a flow that fills every expert exactly to level
   ``L0`` (the highest level where that is possible), then raise the level one
   step at a time, augmenting from the previous flow. Augmenting paths never
   lower the flow on a sink arc, so at every level ``L`` the flow sends as much
   as any flow could below ``L``; for integral flows into a sink (an M-convex
   set) that is the least-majorised, i.e. most balanced, load vector — it has
   the least maximum and the largest minimum at the same time. When everyone
   can take anything this means max − min ≤ 1 (SPEC §5).

Max-flows are computed by SciPy's Dinic (C speed); a warm start is a max-flow
on the residual network of the previous flow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

INF = 1 << 30
"""Capacity meaning "unbounded"; far above any campaign's number of slots."""

MAX_PROGRESSIVE_LEVELS = 24
"""Warm-started levels before jumping straight to the optimum (bounds run time
on pathological instances; the maximum stays optimal, only the middle of the
load distribution is then less even)."""


@dataclass(frozen=True)
class Network:
    """A flow network whose arcs into the sink are one per expert.

    ``tails``/``heads``/``caps`` are the inner arcs (no parallel or opposite
    pairs); ``expert_nodes[i]`` is the node of expert ``i``, whose arc into
    ``sink`` gets its capacity from the level being tried.
    """

    n_nodes: int
    source: int
    sink: int
    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    expert_nodes: np.ndarray


@dataclass(frozen=True)
class BalancedFlow:
    """The result: flow on each inner arc, per expert, and the optimum level."""

    arc_flow: np.ndarray
    expert_flow: np.ndarray
    level: int
    total: int


def _all_arcs(net: Network, sink_caps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sinks = np.full(len(net.expert_nodes), net.sink, dtype=np.int64)
    tails = np.concatenate([net.tails, net.expert_nodes])
    heads = np.concatenate([net.heads, sinks])
    return tails, heads, np.concatenate([net.caps, sink_caps])


def _max_flow(net: Network, sink_caps: np.ndarray, base: np.ndarray | None) -> np.ndarray:
    """Flow on every arc (inner arcs then sink arcs) of a max flow extending ``base``.

    With a ``base`` flow the residual network (forward ``cap - f``, backward
    ``f``) is solved and the result added: that is the warm start.
    """
    tails, heads, caps = _all_arcs(net, sink_caps)
    base = np.zeros(len(caps), dtype=np.int64) if base is None else base
    rows = np.concatenate([tails, heads])
    cols = np.concatenate([heads, tails])
    data = np.concatenate([caps - base, base]).astype(np.int32)
    keep = data > 0
    graph = csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(net.n_nodes,) * 2)
    if graph.nnz == 0 or net.source == net.sink:
        return base
    result = maximum_flow(graph, net.source, net.sink, method="dinic")
    extra = np.asarray(result.flow[tails, heads]).ravel().astype(np.int64)
    return base + extra


def level_caps(level: int, offset: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Sink capacities at ``level``: room up to the level, never above ``upper``."""
    return np.minimum(np.maximum(level - offset, 0), upper)


def counting_bound(total: int, offset: np.ndarray, upper: np.ndarray) -> int:
    """Least level whose capacities add up to ``total`` (a proven lower bound)."""
    lo, hi = 0, int((offset + np.minimum(upper, total)).max(initial=0))
    while lo < hi:
        mid = (lo + hi) // 2
        if int(level_caps(mid, offset, upper).sum()) >= total:
            hi = mid
        else:
            lo = mid + 1
    return lo


class _Solver:
    """Caches the network and bounds; each probe is one max-flow."""

    def __init__(self, net: Network, offset: np.ndarray, upper: np.ndarray) -> None:
        self.net, self.offset, self.upper = net, offset, upper
        self.n_inner = len(net.tails)

    def flow_at(self, level: int, base: np.ndarray | None = None) -> np.ndarray:
        return _max_flow(self.net, level_caps(level, self.offset, self.upper), base)

    def value(self, flow: np.ndarray) -> int:
        return int(flow[self.n_inner:].sum())

    def saturates(self, level: int, flow: np.ndarray) -> bool:
        return self.value(flow) == int(level_caps(level, self.offset, self.upper).sum())

    def optimum_level(self, total: int) -> tuple[int, np.ndarray]:
        """Least level where all ``total`` units fit: gallop up, then bisect."""
        lo = counting_bound(total, self.offset, self.upper)
        step, bad = 1, lo - 1
        while True:
            flow = self.flow_at(lo)
            if self.value(flow) == total:
                break
            bad, lo, step = lo, lo + step, step * 2
        best = flow
        while bad + 1 < lo:
            mid = (bad + lo) // 2
            flow = self.flow_at(mid)
            if self.value(flow) == total:
                lo, best = mid, flow
            else:
                bad = mid
        return lo, best

    def saturated_level(self, top: int) -> tuple[int, np.ndarray]:
        """Highest level below ``top`` at which every expert can be filled to it.

        Gallops down from ``top - 1`` (usually the answer), then bisects;
        saturation is monotone because lower capacities stay feasible.
        """
        floor = int(self.offset.min(initial=0))
        good, step, bad = max(top - 1, floor), 1, top
        while True:
            flow = self.flow_at(good)
            if good <= floor or self.saturates(good, flow):
                break
            bad, good, step = good, max(good - step, floor), step * 2
        best = flow
        while good + 1 < bad:
            mid = (good + bad) // 2
            flow = self.flow_at(mid)
            if self.saturates(mid, flow):
                good, best = mid, flow
            else:
                bad = mid
        return good, best

    def fill(self, start: int, flow: np.ndarray, top: int) -> np.ndarray:
        """Raise the level from ``start`` to ``top``, warm-starting each step."""
        levels = list(range(start + 1, top + 1))
        if len(levels) > MAX_PROGRESSIVE_LEVELS:
            levels = levels[:MAX_PROGRESSIVE_LEVELS - 1] + [top]
        for level in levels:
            flow = self.flow_at(level, flow)
        return flow


def balanced_flow(net: Network, offset: np.ndarray, upper: np.ndarray) -> BalancedFlow:
    """Maximum flow, least maximum level, then evened out (see module docstring).

    ``offset[i]`` is expert ``i``'s current load, ``upper[i]`` the most it may
    still receive (capacity left, or what it could reach at all).
    """
    offset = np.asarray(offset, dtype=np.int64)
    upper = np.asarray(upper, dtype=np.int64)
    solver = _Solver(net, offset, upper)
    total = solver.value(_max_flow(net, upper, None))
    level, flow = solver.optimum_level(total)
    if not solver.saturates(level, flow):
        start, flow = solver.saturated_level(level)
        flow = solver.fill(start, flow, level)
    n = solver.n_inner
    return BalancedFlow(flow[:n], flow[n:], level, total)
