"""The conflict-of-interest gate, rule by rule (SPEC §5)."""

import re

import pytest

from crosscheck.domain.conflicts import (
    REVIEW,
    ExistingAssignment,
    ExpertInfo,
    PaperInfo,
    allowed,
    refusals,
    same_school,
    school_group,
)

MATH = "Математика"
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def expert(id=1, school=10, muni="Город", subjects=(MATH,), conflicts=(), active=True):
    return ExpertInfo(id, school, muni, frozenset(subjects), frozenset(conflicts), active=active)


def paper(id=100, school=20, muni="Район", subject=MATH, marker=None):
    return PaperInfo(id, school, muni, subject, marker)


def recheck(expert_id, round, paper_id=100, status="assigned", kind="recheck"):
    return ExistingAssignment(paper_id, expert_id, kind, round, status)


def code(*args, **kwargs):
    refusal = allowed(*args, **kwargs)
    return refusal and refusal.code


def test_an_unrelated_expert_is_allowed():
    assert allowed(expert(), paper(), 1) is None


@pytest.mark.parametrize("who, what, expected", [
    (expert(active=False), paper(), "inactive"),
    (expert(subjects=("Физика",)), paper(), "subject"),
    (expert(school=20), paper(school=20), "own_school"),
    (expert(conflicts=(20,)), paper(school=20), "declared_conflict"),
    (expert(id=7), paper(marker=7), "original_marker"),
])
def test_each_rule_refuses(who, what, expected):
    assert code(who, what, 1) == expected


def test_every_refusal_reads_in_russian():
    cases = [
        (expert(active=False), paper()), (expert(subjects=("Физика",)), paper()),
        (expert(school=20), paper(school=20)), (expert(conflicts=(20,)), paper(school=20)),
        (expert(id=7), paper(marker=7)), (expert(muni="Район"), paper(muni="Район")),
    ]
    for who, what in cases:
        for r in refusals(who, what, 1, exclude_same_municipality=True):
            assert CYRILLIC.search(r.message), r


def test_subject_message_names_the_subject():
    assert "«Математика»" in allowed(expert(subjects=("Физика",)), paper(), 1).message


def test_expert_without_school_has_no_own_school():
    assert allowed(expert(school=None), paper(school=20), 1) is None


def test_municipality_rule_only_when_the_campaign_asks():
    who, what = expert(muni="Район"), paper(muni="Район")
    assert allowed(who, what, 1) is None
    assert code(who, what, 1, exclude_same_municipality=True) == "same_municipality"
    assert allowed(expert(muni=None), paper(muni=None), 1, exclude_same_municipality=True) is None


def test_refusals_lists_every_reason_most_telling_first():
    who = expert(id=7, school=20, conflicts=(20,), subjects=("Физика",))
    codes = [r.code for r in refusals(who, paper(school=20, marker=7), 1)]
    assert codes == ["subject", "own_school", "declared_conflict", "original_marker"]


SCHOOLS = {1: 10, 2: 10, 3: 30, 4: None, 5: None}


def test_second_recheck_needs_another_expert():
    got = allowed(expert(id=1), paper(), 2, [recheck(1, 1)], expert_schools=SCHOOLS)
    assert got.code == "already_rechecking"
    assert "перепроверка 1" in got.message


def test_second_recheck_needs_another_school():
    got = allowed(expert(id=2, school=10), paper(), 2, [recheck(1, 1)], expert_schools=SCHOOLS)
    assert got.code == "peer_same_school"
    assert allowed(expert(id=3, school=30), paper(), 2, [recheck(1, 1)],
                   expert_schools=SCHOOLS) is None


def test_experts_without_school_count_as_different_schools():
    assert allowed(expert(id=5, school=None), paper(), 2, [recheck(4, 1)],
                   expert_schools=SCHOOLS) is None
    assert school_group(4, None) != school_group(5, None)
    assert not same_school(None, None)


def test_superseded_and_other_papers_do_not_count():
    existing = [recheck(1, 1, status="superseded"), recheck(1, 1, paper_id=999)]
    assert allowed(expert(id=2, school=10), paper(), 2, existing, expert_schools=SCHOOLS) is None


def test_the_slot_itself_is_ignored_so_stored_work_can_be_revalidated():
    existing = [recheck(1, 1), recheck(3, 2)]
    assert allowed(expert(id=3, school=30), paper(), 2, existing, expert_schools=SCHOOLS) is None


def test_other_rechecks_need_the_experts_schools():
    with pytest.raises(KeyError):
        allowed(expert(id=3, school=30), paper(), 2, [recheck(1, 1)])


def test_a_reviewer_must_not_have_rechecked_the_paper():
    existing = [recheck(1, 1), recheck(3, 2)]
    got = allowed(expert(id=3, school=30), paper(), 1, existing, kind=REVIEW)
    assert got.code == "reviewer_was_rechecker"
    assert allowed(expert(id=9, school=10), paper(), 1, existing, kind=REVIEW) is None


def test_reviews_follow_the_same_base_rules():
    got = allowed(expert(id=9, school=20), paper(school=20), 1, kind=REVIEW)
    assert got.code == "own_school"


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        allowed(expert(), paper(), 1, kind="third")


def test_the_role_must_fit_the_kind_of_work_when_known():
    from dataclasses import replace

    from crosscheck.domain.conflicts import kind_for_role

    reviewer, plain = replace(expert(), role="reviewer"), replace(expert(), role="expert")
    assert code(reviewer, paper(), 1) == "role"  # a recheck is an expert's work
    assert code(plain, paper(), 1, kind=REVIEW) == "role"  # a third check a reviewer's
    assert allowed(reviewer, paper(), 1, kind=REVIEW) is None and allowed(plain, paper(), 1) is None
    assert allowed(expert(), paper(), 1, kind=REVIEW) is None  # unknown role: the planners' case
    assert CYRILLIC.search(allowed(reviewer, paper(), 1).message)
    assert (kind_for_role("expert"), kind_for_role("reviewer"), kind_for_role("organiser")) == (
        "recheck", "review", None)
