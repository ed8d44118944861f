"""China's public holidays and make-up working days from the ``holidays`` package."""

from __future__ import annotations

import datetime as dt

import holidays

# The package names holidays in English; the calendar shows them in Chinese.
ZH_NAMES = {
    "New Year's Day": "元旦",
    "Chinese New Year's Eve": "春节",
    "Chinese New Year (Spring Festival)": "春节",
    "Tomb-Sweeping Day": "清明节",
    "Labor Day": "劳动节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def china_exceptions(years: list[int]) -> dict[dt.date, tuple[bool, str]]:
    """Map each exceptional date to (is_workday, note)."""
    cn = holidays.China(years=years)
    out: dict[dt.date, tuple[bool, str]] = {}
    for day, name in sorted(cn.items()):
        if day.year not in years:
            continue
        base = name.split(";")[0].strip()
        for key, zh in ZH_NAMES.items():
            if key in base:
                base = zh
                break
        if "(observed)" in name or "in lieu" in name.lower():
            base = f"{base}（调休）"
        if day.weekday() < 5:
            out[day] = (False, base)
    for day in sorted(cn.weekend_workdays):
        if day.year in years:
            out[day] = (True, "调休上班")
    return out
