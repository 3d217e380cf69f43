"""A campaign's lifecycle after marking: closed (marks frozen, protocols published), reopened,
archived (pure rules, no database).

Closing freezes the campaign: no score or draft, no third check, no marks or scans import,
no (re)assignment, no sampling change, no withdrawal. Every write path of the services asks
the one guard below before it writes anything (``ensure_open``); the web answers the refusal
with its Russian message, the command line with a non-zero exit and the same reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from .russian import counted

CLOSED = "closed"


class CampaignClosed(Exception):
    """A write refused because the campaign is closed."""

    status = 409

    def __init__(self, name: str = ""):
        what = f"Кампания «{name}»" if name else "Кампания"
        self.message = (f"{what} завершена: баллы заморожены, изменения запрещены. "
                        "Чтобы что-то исправить, организатор может вновь открыть кампанию.")
        super().__init__(self.message)


def is_closed(status: object) -> bool:
    return getattr(status, "value", status) == CLOSED


def ensure_open(status: object, name: str = "") -> None:
    """The guard of every write path: refuse when the campaign's status is closed."""
    if is_closed(status):
        raise CampaignClosed(name)


class LifecycleError(ValueError):
    """A lifecycle step that cannot be taken now (Russian message for the organiser)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class OpenWork:
    """What is still open in a campaign when the organiser asks to close it."""

    unassigned: int = 0       # papers to re-check never given to an expert
    marking: int = 0          # papers whose rechecks are not all in
    review: int = 0           # papers waiting for or in a third check
    pending_titles: int = 0   # title pages waiting for a person to confirm the code
    unidentified: int = 0     # scanned pages no paper was found for
    uploads: int = 0          # marks files or scan batches still being checked or imported

    @property
    def any(self) -> bool:
        return any((self.unassigned, self.marking, self.review, self.pending_titles, self.unidentified,
                    self.uploads))

    def lines(self) -> list[str]:
        """Each open item as the confirmation page names it, with what closing does to it."""
        out = []
        n = counted
        if self.unassigned:
            out.append(f"{n(self.unassigned, 'работа не распределена', 'работы не распределены', 'работ не распределено')}: "
                       "они останутся без перепроверки, в протоколах — только баллы школы.")
        if self.marking:
            out.append(f"{n(self.marking, 'работа не перепроверена', 'работы не перепроверены', 'работ не перепроверено')} "
                       "до конца: черновики экспертов сохранятся, но сдать их будет нельзя; в протоколах эти работы "
                       "останутся в статусе «На перепроверке» и не войдут в число проверенных.")
        if self.review:
            out.append(f"{n(self.review, 'третья проверка не завершена', 'третьи проверки не завершены', 'третьих проверок не завершено')}: "
                       "расхождения по этим работам останутся неразрешёнными.")
        if self.pending_titles:
            out.append(f"{n(self.pending_titles, 'титульный лист ждёт', 'титульных листа ждут', 'титульных листов ждут')} "
                       "подтверждения кода: его страницы так и не попадут к экспертам.")
        if self.unidentified:
            out.append(f"{n(self.unidentified, 'страница', 'страницы', 'страниц')} в очереди нераспознанных "
                       "останутся непривязанными.")
        if self.uploads:
            out.append(f"{n(self.uploads, 'файл ещё проверяется', 'файла ещё проверяются', 'файлов ещё проверяются')} "
                       "или загружается: загрузить его уже не получится.")
        return out


def may_close(status: object, open_work: OpenWork, *, confirmed: bool) -> None:
    """Closing is refused when already closed, and with open work unless the organiser
    confirmed the consequences named on the confirmation page."""
    if is_closed(status):
        raise LifecycleError("Кампания уже завершена.")
    if open_work.any and not confirmed:
        raise LifecycleError("В кампании есть незавершённая работа: отметьте, что согласны завершить её "
                             "с перечисленными последствиями, или сначала доведите работу до конца.")


def reopen_reason(status: object, archived: bool, reason: object) -> str:
    """The reason for reopening, checked; refused when not closed or archived, or no reason."""
    if not is_closed(status):
        raise LifecycleError("Кампания не завершена: открывать заново нечего.")
    if archived:
        raise LifecycleError("Кампания в архиве: сначала верните её из архива.")
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise LifecycleError("Причина: укажите, зачем кампания открывается заново (это попадёт в журнал).")
    if len(text) > 2000:
        raise LifecycleError("Причина: не длиннее 2000 символов.")
    return text


def may_archive(status: object, archived: bool) -> None:
    if archived:
        raise LifecycleError("Кампания уже в архиве.")
    if not is_closed(status):
        raise LifecycleError("В архив можно убрать только завершённую кампанию: сначала завершите её.")


def may_unarchive(archived: bool) -> None:
    if not archived:
        raise LifecycleError("Кампания не в архиве.")
