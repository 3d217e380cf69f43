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
    "masks_widened": ("Страница {page} работы {cipher}: печатные рамки, по которым маски следуют за страницей, "
                      "не найдены — маски расширены на случай сдвига до 6 % и поворота до 3°."),
    "paper_without_pages": "У работы {cipher} (титульный лист — страница {page}) нет ни одной страницы.",
    "page_count_mismatch": "В работе {cipher} страниц: {count}, а по шаблону ожидается {expected}.",
    "landscape_page": "Страница {page} лежит горизонтально; проверьте её ориентацию.",
    "page_turned": ("Страница {page} работы {cipher} была вложена вверх ногами (поля маски пусты, а перевёрнутые — "
                    "заполнены): она повёрнута на 180°. Проверьте её в оригинале."),
    "page_turned_sideways": ("Страница {page} работы {cipher} была вложена боком: по полям маски она повёрнута "
                             "на {turn}° против часовой стрелки. Проверьте её в оригинале."),
    "page_in_doubt": ("Страница {page} работы {cipher}: {doubt} Работа не будет выдана экспертам, пока организатор "
                      "не подтвердит её страницы."),
    "unreadable_in_paper": "Страница {page} работы {cipher} не прочитана и отправлена в неопознанные.",
    "foreign_qr_ignored": "На странице {page} есть посторонний QR-код; она считается страницей работы.",
}

# Why a placed page's position or orientation is in doubt: its masks may not cover what
# they must, so its masked render covers every box of every position (and turn) instead.
DOUBTS_RU = {
    "sideways_undecided": ("Страница вложена боком, и по полям маски не видно, куда её повернуть "
                           "(на 90° или на 270°)."),
    "boxes_disagree": "Поля маски противоречат друг другу: неясно, не вложена ли страница вверх ногами.",
    "shape_undecided": "Страница почти квадратная: по её форме не понять, как она должна стоять.",
    "not_located": ("Страница не совмещена с шаблоном: маски расширены (печатные рамки, по которым маски "
                    "следуют за страницей, не найдены или смещение больше допустимого)."),
    "title_layout": ("Страница похожа на титульный лист (печатные рамки там же, где у титульного листа), но "
                     "стоит в работе не первой — возможно, это титульный лист другой работы с пустым или "
                     "непрочитанным кодом: на неё наложены и маски титульного листа."),
    "page_count": ("В работе страниц: {count}, а по шаблону — {expected}: неизвестно, какая страница "
                   "какой является."),
}


def text_ru(catalog: dict[str, str], code: str, **fields: Any) -> str:
    """Format the message for ``code``; unknown fields are left visible, never raise."""
    template = catalog.get(code, code)
    try:
        return template.format(**fields)
    except (KeyError, IndexError):
        return template
