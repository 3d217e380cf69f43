"""Reason codes (stable, English) and their Russian texts for organisers."""
from __future__ import annotations

from typing import Any

UNIDENTIFIED_RU = {
    "before_first_cover": "Страница идёт до первого титульного листа — неизвестно, чья это работа.",
    "foreign_campaign": "Титульный лист другой кампании перепроверки («{campaign}»).",
    "after_foreign_cover": "Страница идёт после титульного листа другой кампании («{campaign}»).",
    "invalid_cover": "QR-код титульного листа повреждён или недействителен ({status}).",
    "after_invalid_cover": "Страница идёт после титульного листа с недействительным QR-кодом.",
    "duplicate_cover": "Титульный лист работы {cipher} встречается в файле повторно.",
    "after_duplicate_cover": "Страница идёт после повторного титульного листа работы {cipher}.",
    "unknown_cipher": "Шифр {cipher} не найден среди работ этой кампании.",
    "after_unknown_cipher": "Страница идёт после титульного листа с неизвестным шифром {cipher}.",
    "unreadable_page": "Страницу не удалось прочитать ({error}).",
}

WARNINGS_RU = {
    "paper_without_pages": "У работы {cipher} (титульный лист — страница {page}) нет ни одной страницы.",
    "page_count_mismatch": "В работе {cipher} страниц: {count}, а по шаблону ожидается {expected}.",
    "landscape_page": "Страница {page} лежит горизонтально; проверьте её ориентацию.",
    "page_turned": ("Страница {page} работы {cipher} была вложена вверх ногами (поля маски пусты, а перевёрнутые — "
                    "заполнены): она повёрнута на 180°. Проверьте её в оригинале."),
    "unreadable_in_paper": "Страница {page} работы {cipher} не прочитана и отправлена в неопознанные.",
    "foreign_qr_ignored": "На странице {page} есть посторонний QR-код; она считается страницей работы.",
}


def text_ru(catalog: dict[str, str], code: str, **fields: Any) -> str:
    """Format the message for ``code``; unknown fields are left visible, never raise."""
    template = catalog.get(code, code)
    try:
        return template.format(**fields)
    except (KeyError, IndexError):
        return template
