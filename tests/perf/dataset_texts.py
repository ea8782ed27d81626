"""What residents and staff write, for the generated data set: descriptions by category in
Russian and Uzbek (Latin), and the short texts of workflow steps.

The listing benchmark searches these descriptions, so the words it looks for occur at known
rates: "течет" (typed without ё, as most people do, matching "течёт") in about one
description in ten, "домофон" in about one in a hundred.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Per category: (Russian phrases, Uzbek phrases). Each is a complete complaint on its own.
DESCRIPTIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "plumbing": (
            (
                "Течёт труба под раковиной на кухне",
                "Протекает стояк в ванной, вода на полу",
                "Засор канализации, вода не уходит из ванны",
                "Нет горячей воды второй день",
                "Капает кран на кухне, течёт не переставая",
                "Не крутится счётчик холодной воды",
            ),
            (
                "Oshxonada quvur oqyapti, pol ho‘l",
                "Vannaxonada kanalizatsiya tiqilib qolgan",
                "Ikkinchi kundan beri issiq suv yo‘q",
                "Suv hisoblagichi ishlamayapti",
            ),
        ),
        "electricity": (
            (
                "В подъезде не горит свет на лестнице",
                "Искрит розетка в спальне, пахнет гарью",
                "Выбивает автомат при включении чайника",
                "Не работает счётчик электроэнергии",
            ),
            (
                "Yo‘lakda chiroq yonmayapti",
                "Yotoqxonadagi rozetka uchqun chiqaryapti",
                "Elektr hisoblagichi ishlamayapti",
            ),
        ),
        "heating": (
            (
                "Холодные батареи во всей квартире",
                "Течёт радиатор отопления в зале",
                "Шумят трубы отопления по ночам",
            ),
            (
                "Batareyalar sovuq, isitish yo‘q",
                "Zaldagi radiator oqyapti",
            ),
        ),
        "ventilation": (
            ("Не тянет вытяжка в ванной", "Из вентиляции пахнет сыростью"),
            ("Ventilyatsiya ishlamayapti, oshxonada hid",),
        ),
        "elevator": (
            (
                "Лифт застрял между этажами",
                "Не работает лифт во втором подъезде",
                "Лифт едет рывками и скрипит",
            ),
            (
                "Lift ishlamayapti, ikkinchi podyezd",
                "Lift qavatlar orasida to‘xtab qoldi",
            ),
        ),
        "cleaning": (
            (
                "Не убрана лестничная клетка, мусор у лифта",
                "Переполнены мусорные баки во дворе",
            ),
            (
                "Zinapoyada axlat, tozalanmagan",
                "Hovlidagi axlat qutilari to‘lib ketgan",
            ),
        ),
        "landscaping": (
            (
                "Сломана скамейка на детской площадке",
                "Нужно подстричь деревья у подъезда",
            ),
            (
                "Bolalar maydonchasidagi o‘rindiq singan",
                "Podyezd oldidagi daraxtlarni kesish kerak",
            ),
        ),
        "security": (
            ("Не работает домофон, дверь не закрывается", "Сломан замок на входной двери"),
            ("Domofon ishlamayapti, eshik yopilmayapti",),
        ),
        "internet": (
            ("Нет интернета и кабельного ТВ в квартире",),
            ("Internet va televizor ishlamayapti",),
        ),
        "repair": (
            (
                "Отвалилась плитка в подъезде",
                "Сломана входная дверь подъезда",
                "Течёт крыша над последним этажом",
            ),
            (
                "Podyezd eshigi singan",
                "Devordagi kafel tushib ketgan",
            ),
        ),
        "other": (
            ("Прошу проверить подвал, там сыро и пахнет",),
            ("Yerto‘lani tekshirib bering, u yerda nam",),
        ),
    }
)

# Where in the building, appended to most descriptions.
WHERE_RU = "Подъезд {entrance}, этаж {floor}."
WHERE_UZ = "{entrance}-podyezd, {floor}-qavat."

# Words the listing benchmark searches for (see the module docstring).
COMMON_WORD = "течет"
RARE_WORD = "домофон"

REPORTS = (
    "Заменил прокладку, течи нет",
    "Устранено, проверено при жильце",
    "Quvur almashtirildi, hammasi joyida",
    "Заменён автомат, свет есть",
)
QUESTIONS = (
    "Уточните, в какое время можно попасть в квартиру?",
    "Qaysi vaqtda uyda bo‘lasiz?",
)
CANCEL_REASONS = ("Дубликат заявки", "Жилец отменил: починили сами")
RETURN_REASONS = ("Снова течёт через день", "Ish oxiriga yetkazilmagan")
REVIEWS = ("Спасибо, быстро", "Rahmat, yaxshi ish", "")
MATERIALS = (("Прокладка 1/2", "2", "pcs"), ("Кабель ВВГ 3×2,5", "10", "m"), ("Kran", "1", "pcs"))
