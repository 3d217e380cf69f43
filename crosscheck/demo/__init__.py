"""The demo: a believable municipal campaign, loaded through the real importers."""
from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.template import IdentitySpec, TemplateSpec
from ..models import Campaign, School, User
from ..services.audit.trail import Actor
from ..services.campaigns.store import create_campaign, load_template_file
from ..services.people.imports import import_conflicts, import_schools, import_users

HERE = Path(__file__).parent
TEMPLATE_FILE = HERE / "vpr-math-5.yaml"
CAMPAIGN_SLUG = "vpr-math-5-2026"
CAMPAIGN_NAME = "Перепроверка ВПР по математике, 5 класс — весна 2026, Заречный городской округ"
DEMO_PASSWORD = "demo2026"

SCHOOLS = [
    ("500101", "МБОУ «Средняя общеобразовательная школа № 1»", "Заречный городской округ"),
    ("500102", "МАОУ «Гимназия № 2»", "Заречный городской округ"),
    ("500103", "МАОУ «Лицей № 3»", "Заречный городской округ"),
    ("500105", "МБОУ «СОШ № 5 с углублённым изучением математики»", "Заречный городской округ"),
    ("500107", "МБОУ «Средняя общеобразовательная школа № 7»", "Заречный городской округ"),
    ("500211", "МБОУ «Основная общеобразовательная школа с. Берёзовка»", "Берёзовский муниципальный район"),
    ("500212", "МБОУ «Образовательный центр „Радуга“»", "Берёзовский муниципальный район"),
]

# login, full name, role, school, subjects
PEOPLE = [
    ("org", "Иванова Наталья Сергеевна", "organiser", "", ""),
    ("observer", "Кузнецов Пётр Андреевич", "observer", "", ""),
    ("mo_math", "Соколова Елена Викторовна", "reviewer", "500103", "Математика"),
    ("mo_math2", "Белов Андрей Николаевич", "reviewer", "500211", "Математика"),
    ("exp01", "Петрова Ольга Ивановна", "expert", "500101", "Математика"),
    ("exp02", "Смирнов Дмитрий Алексеевич", "expert", "500101", "Математика;Физика"),
    ("exp03", "Васильева Татьяна Петровна", "expert", "500102", "Математика"),
    ("exp04", "Морозова Ирина Владимировна", "expert", "500102", "Математика"),
    ("exp05", "Новиков Сергей Михайлович", "expert", "500103", "Математика;Информатика"),
    ("exp06", "Фёдорова Анна Сергеевна", "expert", "500105", "Математика"),
    ("exp07", "Волкова Мария Александровна", "expert", "500105", "Математика"),
    ("exp08", "Алексеев Игорь Юрьевич", "expert", "500107", "Математика"),
    ("exp09", "Лебедева Светлана Николаевна", "expert", "500107", "Математика"),
    ("exp10", "Козлова Галина Фёдоровна", "expert", "500211", "Математика"),
    ("exp11", "Егоров Павел Викторович", "expert", "500212", "Математика"),
    ("exp12", "Павлова Людмила Ивановна", "expert", "500212", "Математика;Русский язык"),
]

CONFLICTS = [
    ("exp03", "500105", "ребёнок эксперта учится в 5 классе этой школы"),
    ("exp07", "500101", "работала в этой школе до 2025 года"),
    ("exp10", "500212", "совместитель в этой школе"),
    ("mo_math", "500102", "супруг — заместитель директора"),
]


# Where the pupil writes the participant code by hand on the title page (SPEC §1 ``identity``,
# its default box): one demo school sends its stack without covers (demo/papers.py).
IDENTITY = IdentitySpec(page=1, box=(0.62, 0.02, 0.97, 0.08), digits=5)


def demo_template() -> TemplateSpec:
    """The demo campaign's template: ``vpr-math-5.yaml`` with the handwritten code box."""
    return dataclasses.replace(load_template_file(TEMPLATE_FILE), identity=IDENTITY)


class DemoError(RuntimeError):
    pass


def _csv(header: str, rows: list[tuple]) -> bytes:
    """A `;`-separated CSV as a spreadsheet program saves it (quoting `;` inside cells)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header.split(";"))
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def demo_logins() -> list[tuple[str, str, str]]:
    from ..web.filters import ROLE_LABELS

    return [(login, ROLE_LABELS[role], DEMO_PASSWORD) for login, _, role, _, _ in PEOPLE]


def login_lines(logins: list[tuple[str, str, str]]) -> list[str]:
    """What the demo prints: one shared password said once, or each login's own."""
    passwords = {password for _, _, password in logins}
    if len(passwords) == 1:
        lines = [f"Демо-логины (пароль у всех: {passwords.pop()}):"]
        return lines + [f"  {login:<14} {role}" for login, role, _ in logins]
    return ["Демо-логины и пароли:"] + [f"  {login:<14} {role:<26} {password}" for login, role, password in logins]


def load_demo(session: Session, data_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """Load the demo into an empty database; a second call only repeats the logins."""
    if session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG)) is not None:
        return demo_logins()
    if session.scalar(select(func.count()).select_from(User)) or \
            session.scalar(select(func.count()).select_from(School)):
        raise DemoError("база данных не пуста: демо загружается только в пустую базу")
    actor = Actor(label="demo")
    import_schools(session, "demo-schools.csv", actor, _csv("code;name;municipality", SCHOOLS))
    people = [(login, name, role, school, subjects, DEMO_PASSWORD) for login, name, role, school, subjects in PEOPLE]
    import_users(session, "demo-users.csv", actor,
                 _csv("login;full_name;role;school_code;subjects;password", people))
    import_conflicts(session, "demo-conflicts.csv", actor, _csv("login;school_code;reason", CONFLICTS))
    campaign = create_campaign(session, CAMPAIGN_SLUG, demo_template(), CAMPAIGN_NAME, per_paper=1, actor=actor)
    if data_dir is not None:
        from .papers import load_papers

        load_papers(session, campaign, data_dir)
    return demo_logins()
