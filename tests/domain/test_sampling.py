"""The sample's pure logic (domain/sampling.py): stratified over classes, reproducible, whole
schools, and a school with fewer papers than asked for taken whole."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.domain.sampling import SamplePaper, SampleError, allocate, choose, describe_rules, parse_schools


def school(code: str, classes: dict[str, int], start: int = 0) -> list[SamplePaper]:
    papers, i = [], start
    for name, n in classes.items():
        for _ in range(n):
            papers.append(SamplePaper(i, code, name, f"{code}-{i:04d}"))
            i += 1
    return papers


campaigns = st.lists(
    st.dictionaries(st.sampled_from(["5А", "5Б", "5В", "5Г", ""]), st.integers(1, 30), min_size=1, max_size=5),
    min_size=1, max_size=6)


def build(spec: list[dict[str, int]]) -> list[SamplePaper]:
    papers: list[SamplePaper] = []
    for k, classes in enumerate(spec):
        papers += school(f"5001{k:02d}", classes, start=len(papers))
    return papers


@settings(max_examples=150, deadline=None)
@given(spec=campaigns, n=st.integers(1, 40), seed=st.integers(0, 2**31))
def test_each_class_gets_its_proportional_share_within_one(spec, n, seed):
    papers = build(spec)
    sample = choose(papers, per_school=n, seed=seed)
    for row in sample.schools:
        assert row.sampled == min(n, row.papers)
        assert sum(c.sampled for c in row.classes) == row.sampled
        for c in row.classes:
            share = min(n, row.papers) * c.papers / row.papers
            assert share - 1 < c.sampled < share + 1
            assert 0 <= c.sampled <= c.papers
    # the class counts are what was really chosen
    for row in sample.schools:
        for c in row.classes:
            got = sum(1 for p in papers if p.school == row.school and p.class_name == c.name and p.id in sample.chosen)
            assert got == c.sampled


@settings(max_examples=100, deadline=None)
@given(spec=campaigns, n=st.integers(1, 40), seed=st.integers(0, 2**31), shuffle=st.randoms(use_true_random=False))
def test_same_inputs_and_seed_give_the_same_sample_in_any_order(spec, n, seed, shuffle):
    papers = build(spec)
    first = choose(papers, per_school=n, seed=seed)
    again = list(papers)
    shuffle.shuffle(again)
    assert choose(again, per_school=n, seed=seed) == first


@settings(max_examples=100, deadline=None)
@given(spec=campaigns, extra=st.integers(0, 10), seed=st.integers(0, 2**31))
def test_a_sample_as_large_as_the_school_takes_it_all(spec, extra, seed):
    papers = build(spec)
    biggest = max(sum(c.values()) for c in spec)
    sample = choose(papers, per_school=biggest + extra, seed=seed)
    assert sample.chosen == {p.id for p in papers}
    assert all(s.short for s in sample.schools)


def test_another_seed_gives_another_sample_and_a_school_ignores_the_others():
    a = school("500101", {"5А": 25, "5Б": 25})
    b = school("500102", {"5А": 30}, start=100)
    one = choose(a + b, per_school=10, seed=1)
    two = choose(a + b, per_school=10, seed=2)
    assert one.chosen != two.chosen
    alone = choose(a, per_school=10, seed=1)
    assert {i for i in one.chosen if i < 100} == alone.chosen


def test_proportional_allocation_example():
    # 12 papers from 20 + 10 + 5 pupils: shares 6.86, 3.43, 1.71 → 7, 3, 2
    sample = choose(school("500105", {"5А": 20, "5Б": 10, "5В": 5}), per_school=12, seed=7)
    assert [(c.name, c.sampled) for c in sample.schools[0].classes] == [("5А", 7), ("5Б", 3), ("5В", 2)]


def test_whole_schools_and_per_school_for_the_rest():
    flagged = school("500101", {"5А": 14, "5Б": 9})
    other = school("500102", {"5А": 20}, start=100)
    small = school("500103", {"5А": 3}, start=200)
    sample = choose(flagged + other + small, per_school=5, whole={"500101"}, seed=3)
    rows = {s.school: s for s in sample.schools}
    assert rows["500101"].sampled == 23 and rows["500101"].whole and not rows["500101"].short
    assert rows["500102"].sampled == 5
    assert rows["500103"].sampled == 3 and rows["500103"].short
    assert [s.school for s in sample.short_schools] == ["500103"]
    assert sample.sampled == 31 and sample.excluded == 15
    only_flagged = choose(flagged + other, whole={"500101"}, seed=3)
    assert only_flagged.chosen == {p.id for p in flagged}


def test_allocate_never_exceeds_a_stratum_and_adds_up():
    rng = random.Random(0)
    parts = allocate({"a": 1, "b": 1, "c": 1}, 2, rng)
    assert sorted(parts.values()) == [0, 1, 1]
    assert allocate({"a": 3}, 10, rng) == {"a": 3}


def test_rules_are_checked_and_described():
    with pytest.raises(SampleError):
        choose([], per_school=0)
    assert parse_schools("flagged") == ("flagged", ())
    assert parse_schools(" ALL ") == ("all", ())
    assert parse_schools("500101, 500102,500101") == ("codes", ("500101", "500102"))
    assert parse_schools(None) == ("", ())
    with pytest.raises(SampleError):
        parse_schools(" , ")
    assert describe_rules(12, "flagged", (), 5) == "все работы отмеченных скринингом ОО; по 12 работ из остальных ОО; зерно 5"
    assert describe_rules(1, "", (), 0) == "по 1 работе из каждой ОО; зерно 0"
