"""Test factories: build schools, users and campaigns in a few words."""
from __future__ import annotations

from functools import lru_cache

from crosscheck.demo import TEMPLATE_FILE
from crosscheck.models import Conflict, Role, School, Subject, User
from crosscheck.services.campaigns.store import create_campaign, load_template_file
from sqlalchemy import select

PASSWORD = "pass1234"


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Hashing is deliberately slow; tests share one hash of the common password.
    from crosscheck.services.people.accounts import hash_password

    return hash_password(PASSWORD)


class Factory:
    def __init__(self, session):
        self.s = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def school(self, code: str | None = None, municipality: str = "Заречный городской округ") -> School:
        code = code or f"5{self._next():05d}"
        school = School(code=code, name=f"Школа {code}", municipality=municipality)
        self.s.add(school)
        self.s.flush()
        return school

    def subject(self, name: str) -> Subject:
        subject = self.s.scalar(select(Subject).where(Subject.name == name))
        if subject is None:
            subject = Subject(name=name)
            self.s.add(subject)
            self.s.flush()
        return subject

    def user(self, login: str, role: Role | str = Role.EXPERT, school: School | None = None,
             subjects: tuple[str, ...] = ("Математика",), full_name: str | None = None) -> User:
        role = Role(role)
        if school is None and role in (Role.EXPERT, Role.REVIEWER):
            school = self.school()
        user = User(login=login, full_name=full_name or f"Пользователь {login}", role=role,
                    school_id=school.id if school else None, password_hash=_password_hash())
        if role in (Role.EXPERT, Role.REVIEWER):
            user.subjects = [self.subject(n) for n in subjects]
        self.s.add(user)
        self.s.flush()
        return user

    def conflict(self, user: User, school: School, reason: str = "") -> Conflict:
        conflict = Conflict(user_id=user.id, school_id=school.id, reason=reason)
        self.s.add(conflict)
        self.s.flush()
        return conflict

    def campaign(self, slug: str = "vpr-math-5-test", per_paper: int = 1, name: str = "Тестовая кампания"):
        return create_campaign(self.s, slug, load_template_file(TEMPLATE_FILE), name, per_paper=per_paper)

    def paper(self, campaign, school=None, code: str | None = None, scores: dict | None = None,
              marker=None):
        """A paper with original marks (every task full marks unless ``scores`` says otherwise)."""
        from crosscheck.models import OriginalScore, Paper
        from crosscheck.services.marks.ciphers import new_cipher

        school = school or self.school()
        tasks = campaign.template.tasks
        scores = {t.label: t.max_score for t in tasks} | (scores or {})
        paper = Paper(campaign_id=campaign.id, school_id=school.id, participant_code=code or f"{self._next():05d}",
                      cipher=new_cipher(), original_marker_id=marker.id if marker else None,
                      original_scores=[OriginalScore(task_id=t.id, max_score=t.max_score, score=scores[t.label])
                                       for t in tasks])
        self.s.add(paper)
        self.s.flush()
        return paper

    def assignment(self, paper, expert, kind: str = "recheck", round: int = 1):
        from crosscheck.models import Assignment, AssignmentKind

        a = Assignment(paper_id=paper.id, expert_id=expert.id, kind=AssignmentKind(kind), round=round)
        self.s.add(a)
        self.s.flush()
        return a

    def page(self, paper, position: int, data_dir, colour: int = 200):
        """A placed page whose original and masked renders are real JPEG files in the store."""
        import io

        from PIL import Image

        from crosscheck.models import Page, PageStatus
        from scanner_import.store import ContentStore

        store = ContentStore(data_dir / "pages")
        files = []
        for shade in (colour, colour // 2):  # original, masked
            buf = io.BytesIO()
            Image.new("L", (124, 175), shade).save(buf, "JPEG")
            files.append(store.put(buf.getvalue())[0])
        page = Page(campaign_id=paper.campaign_id, paper_id=paper.id, position=position,
                    original_sha256=files[0].sha256, masked_sha256=files[1].sha256, width=124, height=175,
                    status=PageStatus.PLACED)
        self.s.add(page)
        self.s.flush()
        return page

    def commit(self) -> None:
        self.s.commit()
