"""The lifecycle rules (pure): the one guard every write path asks, what closing with open
work says, and when reopening and archiving are refused."""
from __future__ import annotations

import pytest

from crosscheck.domain.lifecycle import (CampaignClosed, LifecycleError, OpenWork, ensure_open, may_archive,
                                         may_close, reopen_reason)


def test_the_guard_lets_an_open_campaign_write_and_refuses_a_closed_one_by_name():
    for status in ("preparing", "marking"):
        ensure_open(status, "Весна 2026")
    with pytest.raises(CampaignClosed) as refused:
        ensure_open("closed", "Весна 2026")
    assert refused.value.message == ("Кампания «Весна 2026» завершена: баллы заморожены, изменения запрещены. "
                                     "Чтобы что-то исправить, организатор может вновь открыть кампанию.")
    assert refused.value.status == 409


def test_open_work_is_named_with_its_consequence_and_needs_the_confirmation():
    work = OpenWork(marking=12, review=5, pending_titles=1)
    assert [line.split(":")[0] for line in work.lines()] == [
        "12 работ не перепроверено до конца", "5 третьих проверок не завершено",
        "1 титульный лист ждёт подтверждения кода"]
    with pytest.raises(LifecycleError, match="незавершённая работа"):
        may_close("marking", work, confirmed=False)
    may_close("marking", work, confirmed=True)
    may_close("marking", OpenWork(), confirmed=False)  # nothing open: no question asked
    with pytest.raises(LifecycleError, match="уже завершена"):
        may_close("closed", OpenWork(), confirmed=True)


def test_reopening_wants_a_closed_campaign_out_of_the_archive_and_a_reason():
    with pytest.raises(LifecycleError, match="не завершена"):
        reopen_reason("marking", False, "ошибка")
    with pytest.raises(LifecycleError, match="в архиве"):
        reopen_reason("closed", True, "ошибка")
    with pytest.raises(LifecycleError, match="^Причина"):
        reopen_reason("closed", False, None)
    assert reopen_reason("closed", False, "  ошибка в баллах  ") == "ошибка в баллах"


def test_only_a_closed_campaign_goes_to_the_archive():
    with pytest.raises(LifecycleError, match="только завершённую"):
        may_archive("marking", False)
    with pytest.raises(LifecycleError, match="уже в архиве"):
        may_archive("closed", True)
    may_archive("closed", False)
