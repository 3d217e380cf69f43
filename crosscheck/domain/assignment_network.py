"""Classes ⇄ flow network: build it, and turn a flow back into paper→expert pairs.

Network (one unit of flow = one recheck slot)::

    source ─(need·n)─► class c ─(n)─► school group g ─(∞)─► expert e ─(level)─► sink
                              └─(n)─► partial node (c, g) ─(∞)─► allowed experts of g

The arc class→group carries at most ``n`` units (the class size): then the
class's units can be dealt out so that no paper gets two experts of one school
(see :func:`deal`). A group node is shared by every class that may use *all*
of the group's experts; only the few (class, group) pairs hit by a declared
conflict or an original marker get a private node. That keeps the network at
about classes × schools arcs instead of classes × experts.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .assignment_classes import Group, SlotClass
from .flow import INF, Network

SOURCE, SINK = 0, 1


@dataclass
class Layout:
    """The network plus where each class's and group's arcs are, for expansion.

    Groups are numbered (index into the sorted school-group keys).
    """

    net: Network
    expert_ids: list[int]
    class_arcs: list[list[tuple[int, int, list[tuple[int, int]] | None]]]
    """Per class: (group, arc class→node, private arcs [(expert, arc)] or None if shared)."""
    group_arcs: dict[int, list[tuple[int, int]]]
    """Per shared group node: [(expert, arc group→expert)]."""
    reach: np.ndarray
    """Per expert: the most units the network could ever route to them."""


@dataclass
class _Arcs:
    """Arc arrays appended in numpy blocks, so 250,000 arcs cost milliseconds."""

    tails: list[np.ndarray] = field(default_factory=list)
    heads: list[np.ndarray] = field(default_factory=list)
    caps: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(self, tails, heads, caps) -> np.ndarray:
        """Add arcs (scalars broadcast); return their indices."""
        tails, heads, caps = np.broadcast_arrays(
            *(np.asarray(x, dtype=np.int64) for x in (tails, heads, caps)))
        self.tails.append(tails.ravel())
        self.heads.append(heads.ravel())
        self.caps.append(caps.ravel())
        self.count += tails.size
        return np.arange(self.count - tails.size, self.count)

    @staticmethod
    def array(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@dataclass
class _Shape:
    """Classes × experts as matrices: who is allowed, and per school group."""

    expert_ids: list[int]
    expert_group: np.ndarray
    n_groups: int
    allowed: np.ndarray
    full: np.ndarray
    partial: np.ndarray
    sizes: np.ndarray


def _shape(classes: Sequence[SlotClass], groups: Mapping[int, Group]) -> _Shape:
    expert_ids = sorted(set().union(*(c.allowed for c in classes)))
    gindex = {g: i for i, g in enumerate(sorted({groups[e] for e in expert_ids}))}
    expert_group = np.array([gindex[groups[e]] for e in expert_ids], dtype=np.int64)
    ids = np.array(expert_ids, dtype=np.int64)
    allowed = np.zeros((len(classes), len(expert_ids)), dtype=bool)
    for ci, c in enumerate(classes):
        allowed[ci, np.searchsorted(ids, np.array(c.allowed, dtype=np.int64))] = True
    onehot = np.zeros((len(expert_ids), len(gindex)))
    onehot[np.arange(len(expert_ids)), expert_group] = 1
    counts = allowed.astype(float) @ onehot  # float: BLAS; counts stay exact integers
    full = (counts == onehot.sum(axis=0)) & (counts > 0)
    sizes = np.array([c.size for c in classes], dtype=np.int64)
    return _Shape(expert_ids, expert_group, len(gindex), allowed, full,
                  (counts > 0) & ~full, sizes)


def build_network(classes: Sequence[SlotClass], groups: Mapping[int, Group]) -> Layout:
    """Lay out the network for ``classes``; experts are those allowed somewhere."""
    sh = _shape(classes, groups)
    n_e, n_c = len(sh.expert_ids), len(classes)
    enode, cnode, gnode = 2, 2 + n_e, 2 + n_e + n_c
    arcs = _Arcs()
    needs = np.array([c.need for c in classes], dtype=np.int64)
    arcs.add(SOURCE, cnode + np.arange(n_c), needs * sh.sizes)
    expert_arcs = arcs.add(gnode + sh.expert_group, enode + np.arange(n_e), INF)
    entries: list[list] = [[] for _ in classes]
    rows, cols = np.nonzero(sh.full)
    full_arcs = arcs.add(cnode + rows, gnode + cols, sh.sizes[rows])
    for r, g, a in zip(rows.tolist(), cols.tolist(), full_arcs.tolist()):
        entries[r].append((g, a, None))
    n_nodes = _add_private(arcs, sh, entries, cnode, gnode + sh.n_groups)
    for e in entries:
        e.sort(key=lambda entry: entry[0])
    group_arcs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, a in enumerate(expert_arcs.tolist()):
        group_arcs[int(sh.expert_group[i])].append((sh.expert_ids[i], a))
    net = Network(n_nodes, SOURCE, SINK, arcs.array(arcs.tails), arcs.array(arcs.heads),
                  arcs.array(arcs.caps), enode + np.arange(n_e, dtype=np.int64))
    return Layout(net, sh.expert_ids, entries, dict(group_arcs), sh.sizes @ sh.allowed)


def _add_private(arcs: _Arcs, sh: _Shape, entries: list[list], cnode: int, first: int) -> int:
    """A private node for each (class, group) that may use only part of the group."""
    rows, groups = np.nonzero(sh.partial)
    nodes = first + np.arange(len(rows))
    in_arcs = arcs.add(cnode + rows, nodes, sh.sizes[rows]).tolist()
    pair, member = np.nonzero(sh.allowed[rows] & (sh.expert_group[None, :] == groups[:, None]))
    out_arcs = arcs.add(nodes[pair], 2 + member, INF).tolist()
    private: list[list[tuple[int, int]]] = [[] for _ in range(len(rows))]
    for k, m, a in zip(pair.tolist(), member.tolist(), out_arcs):
        private[k].append((sh.expert_ids[m], a))
    for k, (r, g) in enumerate(zip(rows.tolist(), groups.tolist())):
        entries[r].append((g, in_arcs[k], private[k]))
    return first + len(rows)


def split_shared(layout: Layout, flow: np.ndarray) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Who in a shared group takes how much of each class.

    Every expert of a shared group is allowed for every class routed through
    it, so any split works; a north-west-corner walk keeps it deterministic.
    """
    inflow: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ci, entries in enumerate(layout.class_arcs):
        for g, arc, private in entries:
            if private is None and flow[arc] > 0:
                inflow[g].append((ci, int(flow[arc])))
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for g, classes in inflow.items():
        supply = [[e, int(flow[arc])] for e, arc in layout.group_arcs[g] if flow[arc] > 0]
        k = 0
        for ci, amount in classes:
            parts = []
            while amount > 0:
                take = min(amount, supply[k][1])
                parts.append((supply[k][0], take))
                amount -= take
                supply[k][1] -= take
                k += supply[k][1] == 0
            out[(ci, g)] = parts
    return out


def class_sequence(
    ci: int, layout: Layout, flow: np.ndarray, shared: Mapping[tuple[int, int], list]
) -> list[int]:
    """The class's experts, one entry per unit, each school group in one block."""
    seq: list[int] = []
    for g, arc, private in layout.class_arcs[ci]:
        parts = shared.get((ci, g), []) if private is None else [
            (e, int(flow[a])) for e, a in private if flow[a] > 0]
        for e, count in parts:
            seq.extend([e] * count)
    return seq


def deal(c: SlotClass, seq: Sequence[int], rng: random.Random) -> tuple[list, list]:
    """Deal a class's units to its papers: ``(assigned, missing)`` triples/pairs.

    Unit ``i`` goes to paper ``i mod n``, round index ``i div n``. A school group
    occupies a contiguous block of at most ``n`` units (its arc capacity), and
    such a block never hits the same paper twice: the rechecks of one paper
    always come from different schools. Papers are shuffled with the seed so
    that who gets which paper is random yet reproducible.
    """
    order = sorted(range(c.size), key=lambda j: c.papers[j].id)
    rng.shuffle(order)
    n = c.size
    assigned, missing = [], []
    for i in range(c.need * n):
        j = order[i % n]
        slot = (c.papers[j].id, c.rounds[j][i // n])
        if i < len(seq):
            assigned.append((*slot, seq[i]))
        else:
            missing.append((*slot, i // n))
    return assigned, missing
