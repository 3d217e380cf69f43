"""Russian names for what the audit trail records: actions, fields and their values.

Every action code passed to ``trail.record``/``trail.audit_values`` (or written in bulk)
needs a name here: ``tests/web/test_audit_readable.py`` finds the codes in the source and
fails on one without a name. The CSV export keeps the raw codes.
"""
from __future__ import annotations

ACTION_LABELS = {
    # people
    "school.create": "ОО добавлена",
    "school.update": "ОО изменена",
    "user.create": "Пользователь создан",
    "user.update": "Пользователь изменён",
    "user.activate": "Пользователь снова допущен",
    "user.deactivate": "Пользователь отключён",
    "user.login": "Вход в систему",
    "user.logout": "Выход (все сеансы завершены)",
    "user.password": "Пароль сменён",
    "user.password_reset": "Пароль сброшен организатором (выдан новый)",
    "user.must_change_password": "Потребована смена пароля при входе",
    "user.credentials": "Выданы листки с паролями",
    "token.issue": "Выдан токен API",
    "token.revoke": "Токены API отозваны",
    "conflict.create": "Конфликт интересов заявлен",
    "conflict.update": "Конфликт интересов изменён",
    "conflict.delete": "Конфликт интересов снят",
    "people_upload.import": "Файл людей загружен",
    # campaigns
    "campaign.create": "Кампания создана",
    "campaign.status": "Статус кампании изменён",
    "campaign.deadline": "Срок проверки изменён",
    "campaign.settings": "Настройки распределения изменены",
    "campaign.edit": "Настройки кампании изменены",
    "campaign.expert_capacity": "Лимит работ эксперта изменён",
    "campaign.withdraw_expert": "Эксперт выведен из кампании",
    "campaign.calibration": "Настройки калибровочных работ изменены",
    "campaign.pause_expert": "Эксперт приостановлен до беседы с руководителем МО",
    "campaign.resume_expert": "Эксперт снова допущен к проверке",
    "calibration.create": "Работа стала калибровочной (эталон)",
    "calibration.key_change": "Эталонные баллы калибровочной работы изменены",
    "calibration.deactivate": "Калибровочная работа больше не выдаётся",
    "calibration.activate": "Калибровочная работа снова выдаётся",
    "campaign.sample": "Выборка работ зафиксирована",
    "campaign.close": "Кампания завершена: баллы заморожены",
    "campaign.publish": "Опубликованы итоговые протоколы",
    "campaign.reopen": "Кампания открыта заново",
    "campaign.archive": "Кампания убрана в архив",
    "campaign.unarchive": "Кампания возвращена из архива",
    "template.create": "Шаблон работы сохранён",
    "template.masks": "Маски шаблона изменены",
    "scales.import": "Шкалы перевода импортированы",
    # original marks and papers
    "paper.create": "Работа загружена (баллы школы)",
    "paper.marks_update": "Баллы школы изменены",
    "paper.status": "Статус работы изменён",
    "paper.release": "Страницы работы подтверждены",
    "marks_upload.create": "Файл первичных баллов загружен на проверку",
    "marks_upload.confirm": "Загрузка первичных баллов подтверждена",
    "marks_upload.cancel": "Файл первичных баллов отменён",
    "marks_upload.import": "Первичные баллы из файла загружены",
    # scans
    "scan.upload": "Файл сканов загружен",
    "scan.import": "Файл сканов обработан",
    "page.attach": "Страница отнесена к работе",
    "scan.confirm_code": "Код участника на титульном листе подтверждён",
    "page.make_room": "Страница сдвинута",
    "page.replace": "Страница заменена",
    "page.discard": "Страница отброшена",
    "page.detach": "Страница убрана из работы",
    "page.confirm": "Положение страницы подтверждено",
    # distribution
    "assignment.run": "Распределение работ",
    "assignment.create": "Работа назначена",
    "assignment.reassign": "Работа переназначена",
    "assignment.supersede": "Назначение снято",
    "assignment.withdrawn_by_gate": "Назначение снято: эксперту больше нельзя эту работу",
    "review.unassigned": "Третью проверку некому назначить",
    # marking
    "marks.save": "Баллы сохранены (черновик)",
    "marks.submit": "Проверка сдана",
    "marks.problem": "Эксперт сообщил о проблеме с работой",
    "problem.resolve": "Проблема с работой решена",
    "problem.reassign": "Работа с проблемой передана другому эксперту",
}

# Who acted when no user did (``trail.Actor`` labels; a user is shown by login).
ACTORS = {"system": "система", "workflow": "система (ход проверки)", "cli": "командная строка",
          "demo": "демо-данные"}
ACTOR_PREFIXES = {"job:scan:": "фоновая обработка сканов"}


def actor_label(label: str, is_user: bool) -> str:
    if is_user:
        return label
    for prefix, name in ACTOR_PREFIXES.items():
        if label.startswith(prefix):
            return name
    return ACTORS.get(label, label)

FIELD_LABELS = {
    # marks and marking
    "scores": "Баллы", "draft": "Черновик (не сдан)", "comment": "Комментарий", "problem": "Проблема", "note": "Пояснение",
    "report": "Сообщение о проблеме", "resolution": "Решение организатора",
    "status": "Статус", "kind": "Вид проверки", "round": "Проверка №",
    "paper_id": "Работа", "cipher": "Шифр", "expert_id": "Эксперт", "expert": "Эксперт",
    "reason": "Причина", "message": "Причина",
    # papers (original marks)
    "school_id": "ОО", "participant": "Код участника", "class": "Класс", "variant": "Вариант",
    "journal_mark": "Отметка по журналу", "original_marker": "Эксперт первичной проверки",
    # pages and scans
    "position": "Страница в работе", "for": "Освобождено место для", "replaced_by": "Заменена на",
    "rotation": "Поворот, °", "turn": "Повёрнута", "doubt": "Сомнение",
    "original_sha256": "Скан", "masked_sha256": "Скан с маской", "pages": "Страниц",
    "detached": "Убрано страниц", "filename": "Файл", "file": "Файл", "sha256": "Контрольная сумма",
    "size": "Размер, байт", "papers_created": "Работ создано", "papers_updated": "Работ изменено",
    "papers_unchanged": "Работ без изменений", "absent": "Отсутствовали",
    "unlinked_markers": "Проверявшие в школе не найдены", "withdrawn": "Снято назначений",
    "papers": "Работ", "pages_placed": "Страниц разложено", "unidentified": "Не распознано",
    "conflicts": "Конфликтов", "conflict_ciphers": "Шифры с конфликтами", "blank": "Пустых страниц",
    "pages_in_doubt": "Страниц под сомнением", "held_back": "Задержано", "held_back_ciphers": "Задержанные шифры",
    "excluded_ciphers": "Шифры вне выборки",
    "warnings": "Предупреждения", "page_count": "Страниц в файле",
    "uncovered": "Работ без обложки", "by_code": "Разложено по коду участника", "pending": "Ждут подтверждения кода",
    "digits": "Код, как прочитан", "candidates": "Предложенные коды", "file_page": "Страница файла",
    # distribution
    "created": "Создано назначений", "unassigned": "Не назначено", "max_load": "Наибольшая нагрузка",
    # campaigns
    "slug": "Код кампании", "name": "Название", "template": "Шаблон", "per_paper": "Проверок на работу",
    "deadline": "Срок проверки", "exclude_same_municipality": "Не назначать экспертам своего муниципалитета",
    "teacher_views": "Сведения по учителям в аналитике",
    "double_tolerance": "Допуск расхождения двух перепроверок",
    "title": "Название работы", "tasks": "Заданий", "max_total": "Максимальный первичный балл",
    "grades": "Пороги отметок",
    "capacity": "Лимит работ",
    # the lifecycle (closing, reopening, archive)
    "marking": "Не перепроверено до конца", "review": "Третьих проверок не завершено",
    "pending_titles": "Титульных листов ждут кода", "uploads": "Файлов в обработке",
    "closed_at": "Завершена", "archived": "В архиве", "published_at": "Протоколы опубликованы",
    "reports": "Итоговых файлов",
    "calibration_rate": "Калибровочная работа: одна на N работ (0 — выключено)",
    "calibration_first": "Калибровочных работ каждому эксперту сначала",
    "calibration": "Выдано калибровочных работ", "key": "Эталонные баллы",
    "masks": "Маски", "identity": "Поле кода участника", "copied_from": "Скопирован из шаблона",
    # sampling (SPEC §8)
    "rules": "Правила выборки", "per_school": "Работ от ОО", "schools": "ОО целиком", "whole_schools": "ОО взяты целиком",
    "seed": "Зерно", "sampled": "В выборке", "excluded": "Вне выборки", "short_schools": "ОО, где работ меньше N",
    "replaced_sample": "Заменена выборка №",
    # people
    "login": "Логин", "full_name": "ФИО", "role": "Роль", "subjects": "Предметы", "active": "Допущен",
    "school": "ОО", "code": "Код ОО", "municipality": "Муниципалитет", "address": "IP-адрес",
    "token_id": "Токен №", "token_ids": "Токены №", "expires_at": "Действует до", "changed": "Изменён",
    "password": "Пароль",
    "must_change_password": "Сменить пароль при входе", "self_declared": "Заявлен самим экспертом",
    "people_kind": "Что в файле", "people_created": "Создано", "people_updated": "Изменено",
    "people_unchanged": "Без изменений", "logins": "Логины",
}

#: Internal bookkeeping the page leaves to the CSV export.
HIDDEN_FIELDS = frozenset({"version"})

VALUE_LABELS = {
    "status": {"unassigned": "Не назначена", "marking": "На перепроверке", "review": "Третья проверка",
               "done": "Завершена", "assigned": "Назначена", "in_progress": "В работе", "submitted": "Сдана",
               "superseded": "Снята", "excluded": "Вне выборки", "placed": "Разложена", "discarded": "Отброшена", "unidentified": "Не распознана",
               "pending": "Ждёт подтверждения", "confirmed": "Подтверждён",
               "preparing": "Подготовка", "closed": "Завершена"},
    "kind": {"recheck": "перепроверка", "review": "третья проверка", "calibration": "калибровочная работа"},
    "role": {"organiser": "Организатор", "expert": "Эксперт", "reviewer": "Руководитель МО",
             "observer": "Общественный наблюдатель"},
    "problem": {"page_missing": "не хватает страницы", "unreadable": "страница не читается",
                "wrong_subject": "работа не по этому предмету", "other": "другое"},
    "password": {"changed": "изменён"},
    "people_kind": {"schools": "ОО", "users": "пользователи", "conflicts": "конфликты интересов"},
    "report": {"open": "ждёт решения", "resolved": "решено"},
}

#: Where one entity's values read differently (a campaign's status is not a paper's).
ENTITY_VALUE_LABELS = {
    ("campaign", "status"): {"preparing": "Подготовка", "marking": "Перепроверка", "closed": "Завершена (баллы заморожены)"},
}

ENTITY_LABELS = {"marks_upload": "Файл первичных баллов", "paper": "Работа", "assignment": "Назначение", "page": "Страница", "user": "Пользователь",
                 "school": "ОО", "campaign": "Кампания", "scan_batch": "Файл сканов", "conflict": "Конфликт интересов",
                 "people_upload": "Файл людей", "pending_title": "Титульный лист без обложки"}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)
