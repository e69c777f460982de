"""English as the product writes it: day, month, year ("2 December 2026", "02/12/2026") and
24-hour times, as in Europe, not Django's US defaults ("Dec. 2, 2026", "12/02/2026", "3 p.m.").

Input keeps ISO first (what date inputs send), then the day-first forms; the US month-first
forms are not read, since "02/12/2026" would be ambiguous. Numbers keep "1,250.5"."""

DATE_FORMAT = "j F Y"  # 2 December 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 2 December 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 2 December
SHORT_DATE_FORMAT = "d/m/Y"  # 02/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 02/12/2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-02
    "%d/%m/%Y",  # 02/12/2026
    "%d/%m/%y",  # 02/12/26
    "%d %b %Y",  # 2 Dec 2026
    "%d %B %Y",  # 2 December 2026
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # 2026-12-02 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-12-02 14:30:59.000200
    "%Y-%m-%d %H:%M",  # 2026-12-02 14:30
    "%d/%m/%Y %H:%M:%S",  # 02/12/2026 14:30:59
    "%d/%m/%Y %H:%M:%S.%f",  # 02/12/2026 14:30:59.000200
    "%d/%m/%Y %H:%M",  # 02/12/2026 14:30
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:30:59
    "%H:%M:%S.%f",  # 14:30:59.000200
    "%H:%M",  # 14:30
]
