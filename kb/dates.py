"""Time expressions in search queries -> inclusive issue-date filters.

Why: people write "上周 OpenAI 融资" or "去年12月 智谱". No item contains the words "去年12月";
what the user means is a date range on the item's issue date. :func:`parse_time` finds one
time expression, resolves it against a reference day ("today", passed in so results are
reproducible) and returns the range plus the query with the expression removed.

Design: an ordered list of (regex, resolver) rules. Every rule is run over the query; the
earliest match wins, ties go to the longest (so "去年12月" beats "去年"). The winner may then
grow by a range ("12月1日到15日"), a prefix ("从", "since", "截至") or a suffix ("以来", "之前").
Only the first expression of a query is used; a second one stays in the query text.

Conventions (documented because they are choices):
- Bounds are inclusive. "Since"-style expressions (以来/起/从/since) leave ``until`` open,
  "before"-style (之前/以前/前/before) leave ``since`` open and are strict (12月之前 -> ..11-30);
  之后/以后/after are strict too (12月之后 -> 01-01..); 截至/为止/until are inclusive.
- Weeks run Monday-Sunday. 上周 = the previous Monday-Sunday week.
- Expressions without a year (12月, 12月22日, 国庆, 一季度, 下半年, 周三) mean the most recent
  occurrence whose start is not after today: on 2026-02-20 "12月" = 2025-12, "2月" = 2026-02.
  A yearless month part takes the month's year (2月下旬 on 02-20 = 2026-02-21..28). Relative
  month/week words (本月, 本周, 月底) may reach into the future.
- 上旬/月初 = days 1-10, 中旬/月中 = 11-20, 下旬/月底/月末 = 21-end; 年初 = January,
  年底/年末 = December. Bare 月初/月中/月底 refer to the current month.
- 最近/近/过去 N 天/周/月/年 = the N units ending today, today included (近三天 = today-2..today,
  近一个月 on 02-20 = 01-21..02-20). "N 天/周/个月/年前" = that single day/Mon-Sun week/calendar
  month/calendar year (两周前 = the week two weeks before this week).
- Holidays use the official State Council holiday spans for 2020-2026 (so 2025 国庆 = 10-01..10-08,
  merged with 中秋). Other years fall back to: 元旦 01-01..03, 春节 除夕..正月初六 (7 days),
  清明 04-04..06, 劳动节 05-01..05, 端午/中秋 the festival day +-1, 国庆 10-01..07; lunar dates are
  tabled up to 2030. 除夕 is the single day before 春节.
- Deliberately not dates: "2025年度"/"2025年终总结" (year-in-review pieces are often issued the
  next January, so a 2025 filter would lose them), dotted "12.22" (clashes with GPT-5.2,
  12.5亿), bare "2025" without 年, bare "Q1".."Q4" (Vidu Q2, Q4_K_M; "2025Q1"/"去年Q4" do
  count), "一周年", numbers in model names (Qwen3-235B). 前后/左右 keep the span (五一前后).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Callable, Optional

Date = datetime.date
Span = tuple[Optional[Date], Optional[Date]]
_td = datetime.timedelta
_DAY1 = _td(days=1)


@dataclass(frozen=True)
class TimeFilter:
    """A date filter found in a query. ``since``/``until`` are inclusive; None = open end."""

    since: datetime.date | None
    until: datetime.date | None
    expression: str
    query: str


# ---------------------------------------------------------------------------------- numbers

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(text: str) -> int:
    """'12'->12, '十二'->12, '二十'->20, '两'->2, '一百'->100, '二〇二五'->2025.

    A tiny converter instead of cn2an: only counts of days/months/years occur here."""
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" not in text and "百" not in text:  # digit-by-digit form (years)
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total = cur = 0
    for ch in text:
        if ch in "十百":
            total += (cur or 1) * (10 if ch == "十" else 100)
            cur = 0
        else:
            cur = _CN_DIGITS[ch]
    return total + cur


# ---------------------------------------------------------------------------- date helpers

def _month(y: int, m: int) -> Span:
    return Date(y, m, 1), Date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: Date, n: int) -> Date:
    y, m0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    return Date(y, m0 + 1, min(d.day, calendar.monthrange(y, m0 + 1)[1]))


def _monday(d: Date) -> Date:
    return d - _td(days=d.weekday())


_PART_DAYS = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "中": (11, 20),
              "下旬": (21, 31), "底": (21, 31), "末": (21, 31)}


def _month_part(y: int, m: int, part: str | None) -> Span:
    first, last = _month(y, m)
    if not part:
        return first, last
    a, b = _PART_DAYS[part]
    return Date(y, m, a), Date(y, m, min(b, last.day))


def _last_n(today: Date, n: float, unit: str) -> Span | None:
    """The ``n`` units ending today (today included); n = 0.5 only for 半个月/半年."""
    if n <= 0:
        return None
    if n == 0.5:
        n, unit = (15, "day") if unit == "month" else (6, "month") if unit == "year" else (0, "")
        if not n:
            return None
    n = int(n)
    if unit == "day":
        return today - _td(days=n - 1), today
    if unit == "week":
        return today - _td(days=7 * n - 1), today
    months = n if unit == "month" else 12 * n
    return _add_months(today, -months) + _DAY1, today


def _ago(today: Date, n: int, unit: str) -> Span:
    """The single day / Mon-Sun week / calendar month / calendar year ``n`` units ago."""
    if unit == "day":
        d = today - _td(days=n)
        return d, d
    if unit == "week":
        mon = _monday(today) - _td(days=7 * n)
        return mon, mon + _td(days=6)
    if unit == "month":
        d = _add_months(today.replace(day=1), -n)
        return _month(d.year, d.month)
    return Date(today.year - n, 1, 1), Date(today.year - n, 12, 31)


def _unit(word: str) -> str:
    w = word.lower()
    for key, unit in (("天", "day"), ("日", "day"), ("day", "day"), ("周", "week"), ("星期", "week"),
                      ("礼拜", "week"), ("week", "week"), ("月", "month"), ("month", "month")):
        if key in w:
            return unit
    return "year"


# -------------------------------------------------------------------------------- holidays

_OFFICIAL = {  # State Council schedules; keyed below by the year of the last day
    "元旦": "2020-01-01 2020-01-01|2021-01-01 2021-01-03|2022-01-01 2022-01-03|2022-12-31 2023-01-02|"
            "2023-12-30 2024-01-01|2025-01-01 2025-01-01|2026-01-01 2026-01-03",
    "春节": "2020-01-24 2020-01-30|2021-02-11 2021-02-17|2022-01-31 2022-02-06|2023-01-21 2023-01-27|"
            "2024-02-10 2024-02-17|2025-01-28 2025-02-04|2026-02-15 2026-02-23",
    "清明": "2020-04-04 2020-04-06|2021-04-03 2021-04-05|2022-04-03 2022-04-05|2023-04-05 2023-04-05|"
            "2024-04-04 2024-04-06|2025-04-04 2025-04-06|2026-04-04 2026-04-06",
    "劳动节": "2020-05-01 2020-05-05|2021-05-01 2021-05-05|2022-04-30 2022-05-04|2023-04-29 2023-05-03|"
              "2024-05-01 2024-05-05|2025-05-01 2025-05-05|2026-05-01 2026-05-05",
    "端午": "2020-06-25 2020-06-27|2021-06-12 2021-06-14|2022-06-03 2022-06-05|2023-06-22 2023-06-24|"
            "2024-06-08 2024-06-10|2025-05-31 2025-06-02|2026-06-19 2026-06-21",
    "中秋": "2020-10-01 2020-10-08|2021-09-19 2021-09-21|2022-09-10 2022-09-12|2023-09-29 2023-10-06|"
            "2024-09-15 2024-09-17|2025-10-01 2025-10-08|2026-09-25 2026-09-27",
    "国庆": "2020-10-01 2020-10-08|2021-10-01 2021-10-07|2022-10-01 2022-10-07|2023-09-29 2023-10-06|"
            "2024-10-01 2024-10-07|2025-10-01 2025-10-08|2026-10-01 2026-10-07",
}
_HOLIDAYS: dict[str, dict[int, Span]] = {
    name: {Date.fromisoformat(e).year: (Date.fromisoformat(s), Date.fromisoformat(e))
           for s, e in (pair.split() for pair in spec.split("|"))}
    for name, spec in _OFFICIAL.items()
}
_LUNAR = {  # festival day (Gregorian), 2020-2030
    "春节": "01-25 02-12 02-01 01-22 02-10 01-29 02-17 02-06 01-26 02-13 02-03",
    "端午": "06-25 06-14 06-03 06-22 06-10 05-31 06-19 06-09 05-28 06-16 06-05",
    "中秋": "10-01 09-21 09-10 09-29 09-17 10-06 09-25 09-15 10-03 09-22 09-12",
}
_LUNAR_DAYS = {name: {2020 + i: Date.fromisoformat(f"{2020 + i}-{md}") for i, md in enumerate(s.split())}
               for name, s in _LUNAR.items()}
_FIXED = {"元旦": ((1, 1), (1, 3)), "清明": ((4, 4), (4, 6)), "劳动节": ((5, 1), (5, 5)),
          "国庆": ((10, 1), (10, 7))}
_LUNAR_WINDOW = {"春节": (-1, 5), "除夕": (-1, -1), "端午": (-1, 1), "中秋": (-1, 1)}
_HOL_ALIAS = {"清明节": "清明", "五一": "劳动节", "五一劳动节": "劳动节", "端午节": "端午", "中秋节": "中秋",
              "国庆节": "国庆", "十一": "国庆", "中秋国庆": "国庆", "国庆中秋": "国庆"}


def holiday_span(name: str, year: int) -> Span | None:
    """The holiday ``name`` (canonical: 元旦 春节 除夕 清明 劳动节 端午 中秋 国庆) in ``year``."""
    if year in _HOLIDAYS.get(name, {}):
        return _HOLIDAYS[name][year]
    if name in _FIXED:
        (m1, d1), (m2, d2) = _FIXED[name]
        return Date(year, m1, d1), Date(year, m2, d2)
    day = _LUNAR_DAYS["春节" if name == "除夕" else name].get(year)
    if day is None:
        return None
    a, b = _LUNAR_WINDOW[name]
    return day + _td(days=a), day + _td(days=b)


# ---------------------------------------------------------------------------------- patterns

# A count: 1-3 digits or a well-formed Chinese number up to 99 (or 百); "三四年" is not 34 years.
_NUM = r"(?:[0-9]{1,3}|百|[二三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
_CN_NUM = "零〇一二三四五六七八九十两百"
_YEAR = (r"(?:(?<![0-9A-Za-z.\-])(?P<y4>(?:19|20)[0-9]{2})\s*年|(?P<ycn>[〇零一二三四五六七八九]{4})年"
         r"|(?P<yr>大前年|(?<![提之以目])前年|去年|今年|本年|明年))(?!度|终(?:总结|盘点|奖|回顾))")
_OPT_YEAR = r"(?:" + _YEAR + r"\s*)?"
_MON = (r"(?<![0-9A-Za-z.\-" + _CN_NUM + r"千万第])"
        r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])")
_DAY = r"(?P<d>3[01]|[12][0-9]|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
_PART = (r"(?P<part>上旬|中旬|下旬|初(?!创|级|代|版|步|始|心|期|赛|中)"
         r"|中(?!国|文|东|美|日|韩|欧|期|间|层|型|心|央|信|科|企|小|大|英|方|外|部|端)"
         r"|底(?!层|座|部|线|模)|末(?!尾|端|期))")
_UNIT = r"(?P<u>个月|个?星期|个?礼拜|周(?!年)|天|日|年)"
_WD = r"(?P<wd>[一二三四五六日1-7末]|(?<=星期|礼拜)天)"
_HOLIDAY = (r"(?P<hol>中秋国庆|国庆中秋|元旦|除夕|春节|清明节?(?!上河)|五一劳动节|劳动节"
            r"|(?<![0-9" + _CN_NUM + r"])五一(?![0-9" + _CN_NUM + r"月日号])|端午节?|中秋节?|国庆节?"
            r"|十一(?=黄金周|长假|假期|小长假))(?:小长假|长假|假期|期间|黄金周|档)?")
_EN_MONTH = (r"(?P<mn>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
             r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_REL_YEAR = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0, "本年": 0, "明年": 1}
_REL_MONTH = {"上上个月": -2, "上上月": -2, "上个月": -1, "上月": -1, "本月": 0, "这个月": 0,
              "这月": 0, "当月": 0, "下个月": 1, "下月": 1}
_WEEK_OFF = {"上上": -2, "上": -1, "本": 0, "这": 0, "下": 1}
_DAY_OFF = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1,
            "today": 0, "yesterday": -1}
_EN_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()

Resolver = Callable[[re.Match[str], Date, Optional[int]], Optional[Span]]


def _year(m: re.Match[str], today: Date) -> int | None:
    g = m.groupdict()
    if g.get("y4"):
        return int(g["y4"])
    if g.get("ycn"):
        return cn_to_int(g["ycn"])
    if g.get("yr"):
        return today.year + _REL_YEAR[g["yr"]]
    return None


def _pick_year(m: re.Match[str], today: Date, hint: int | None,
               span_of: Callable[[int], Span | None]) -> Span | None:
    """Explicit year > year hint (second end of a range) > latest occurrence starting <= today."""
    y = _year(m, today)
    y = hint if y is None else y
    if y is not None:
        return span_of(y)
    cur = span_of(today.year)
    if cur is not None and cur[0] is not None and cur[0] <= today:
        return cur
    return span_of(today.year - 1)


def _same(d: Date) -> Span:
    return d, d


def _whole_year(y: int | None) -> Span | None:
    return (Date(y, 1, 1), Date(y, 12, 31)) if y else None


def _weekday_span(mon: Date, wd: str | None) -> Span:
    """Day ``wd`` (一..日/天/1..7, 末 = Sat+Sun, None = whole week) of the week starting ``mon``."""
    if wd is None:
        return mon, mon + _td(days=6)
    if wd == "末":
        return mon + _td(days=5), mon + _td(days=6)
    idx = int(wd) - 1 if wd.isdigit() else 6 if wd in "日天" else "一二三四五六".index(wd)
    d = mon + _td(days=idx)
    return d, d


def _r_ym(m: re.Match[str], t: Date, h: int | None) -> Span | None:
    """The year comes from the whole month (2月下旬 on 02-20 is this February's), then the part."""
    mo = cn_to_int(m["m"])
    month = _pick_year(m, t, h, lambda y: _month(y, mo))
    return _month_part(month[0].year, mo, m.groupdict().get("part")) if month and month[0] else None


def _r_rel_month(m: re.Match[str], t: Date, h: int | None) -> Span:
    d = _add_months(t.replace(day=1), _REL_MONTH[m["rm"]])
    return _month_part(d.year, d.month, m["part"])


def _r_bare_part(m: re.Match[str], t: Date, h: int | None) -> Span | None:
    if m["part"] in "初中底末" and not m.group().startswith("月"):
        return None  # a lone 中/底/末 is not a time expression
    return _month_part(t.year, t.month, m["part"])


def _r_half(m: re.Match[str], t: Date, h: int | None) -> Span | None:
    a, b = ((1, 1), (6, 30)) if m["half"] == "上半年" else ((7, 1), (12, 31))
    return _pick_year(m, t, h, lambda y: (Date(y, *a), Date(y, *b)))


def _r_quarter(m: re.Match[str], t: Date, h: int | None) -> Span | None:
    q = cn_to_int(m["q"])
    return _pick_year(m, t, h, lambda y: (Date(y, 3 * q - 2, 1), _month(y, 3 * q)[1]))


def _r_weekday(m: re.Match[str], t: Date, h: int | None) -> Span:
    """Bare 周三 / 周末: the most recent one starting on or before today."""
    wd = m["wd"]
    idx = 5 if wd == "末" else _weekday_span(_monday(t), wd)[0].weekday()
    d = t - _td(days=(t.weekday() - idx) % 7)
    return (d, d + _DAY1) if wd == "末" else (d, d)


def _r_en_word(m: re.Match[str], t: Date, h: int | None) -> Span:
    w = " ".join(m["dw"].lower().split())
    if w in _DAY_OFF:
        return _same(t + _td(days=_DAY_OFF[w]))
    off = -1 if w.startswith("last") else 0
    if w.endswith("week"):
        return _weekday_span(_monday(t) + _td(days=7 * off), None)
    if w.endswith("month"):
        d = _add_months(t.replace(day=1), off)
        return _month(d.year, d.month)
    return Date(t.year + off, 1, 1), Date(t.year + off, 12, 31)


@dataclass(frozen=True)
class _Rule:
    name: str
    regex: re.Pattern[str]
    resolve: Resolver


_I = re.IGNORECASE
_RULES: list[_Rule] = [_Rule(name, re.compile(pat, flags), resolve) for name, pat, resolve, flags in [
    ("ymd", _OPT_YEAR + _MON + r"\s*月\s*" + _DAY + r"\s*[日号]", lambda m, t, h: _pick_year(
        m, t, h, lambda y: _same(Date(y, cn_to_int(m["m"]), cn_to_int(m["d"])))), 0),
    ("iso_ymd", r"(?<![0-9A-Za-z.\-/])(?P<y4>(?:19|20)[0-9]{2})(?P<sep>[-/.])(?P<m>1[0-2]|0?[1-9])"
     r"(?P=sep)(?P<d>3[01]|[12][0-9]|0?[1-9])(?![0-9A-Za-z]|[-/.][0-9])",
     lambda m, t, h: _same(Date(int(m["y4"]), int(m["m"]), int(m["d"]))), 0),
    ("iso_ym", r"(?<![0-9A-Za-z.\-/])(?P<y4>(?:19|20)[0-9]{2})[-/](?P<m>1[0-2]|0?[1-9])"
     r"(?![0-9A-Za-z]|[-/.][0-9])", _r_ym, 0),
    ("ym", _OPT_YEAR + _MON + r"\s*月份?" + _PART + "?", _r_ym, 0),
    ("rel_month", r"(?P<rm>上上个?月|上个?月|本月|这个?月|当月|下个?月)份?" + _PART + "?", _r_rel_month, 0),
    ("bare_part", r"(?<![年月0-9" + _CN_NUM + r"个])月?" + _PART, _r_bare_part, 0),
    ("half", _OPT_YEAR + r"(?P<half>上半年|下半年)", _r_half, 0),
    # Bare "Q1" is a model name as often as a quarter (Vidu Q1/Q2/Q3, Q4_K_M): only with a year.
    ("quarter", _OPT_YEAR + r"第?(?P<q>[一二三四1-4])季度", _r_quarter, 0),
    ("quarter_q", _YEAR + r"\s*Q(?P<q>[1-4])(?![0-9A-Za-z_])", _r_quarter, 0),
    ("quarter_iso", r"(?<![0-9A-Za-z])(?P<y4>(?:19|20)[0-9]{2})\s*-?\s*Q(?P<q>[1-4])(?![0-9A-Za-z_])",
     _r_quarter, 0),
    ("year_part", _YEAR + r"\s*年?(?P<yp>初(?!创|级|代|版|步|始|心|期)|底(?!层|座|部|线|模)|末(?!尾|端|期))",
     lambda m, t, h: _month(_year(m, t) or 0, 1 if m["yp"] == "初" else 12), 0),
    ("year", _YEAR, lambda m, t, h: _whole_year(_year(m, t)), 0),
    ("week", r"(?<![马网线向往晚早])(?P<wk>上上个?|上个?|本|这个?|下个?)(?:周(?![期年刊边])|星期|礼拜)"
     + _WD + "?", lambda m, t, h: _weekday_span(
        _monday(t) + _td(days=7 * _WEEK_OFF[m["wk"].replace("个", "")]), m["wd"]), 0),
    ("weekday", r"(?<![0-9一二三四五六七八九十两几每上下本这个])(?:周|星期|礼拜)" + _WD + r"(?![0-9])",
     _r_weekday, 0),
    ("day", r"(?P<dw>大前天|(?<!提)前天|昨天|昨日|今天|今日(?!头条)|明天)",
     lambda m, t, h: _same(t + _td(days=_DAY_OFF[m["dw"]])), 0),
    ("recent", r"(?:最近|(?<![将附接靠])近|过去的?)\s*(?P<n>" + _NUM + r"|半)\s*"
     r"(?P<u>个月|月|个?星期|个?礼拜|周(?!年)|天|日|年)(?:以来|来|以内|内)?",
     lambda m, t, h: _last_n(t, 0.5 if m["n"] == "半" else cn_to_int(m["n"]), _unit(m["u"])), 0),
    ("ago", r"(?<![0-9" + _CN_NUM + r"])(?P<n>" + _NUM + r")\s*" + _UNIT
     + r"(?:之前|以前|前)(?![0-9" + _CN_NUM + r"几])",
     lambda m, t, h: _ago(t, cn_to_int(m["n"]), _unit(m["u"])), 0),
    ("holiday", _OPT_YEAR + _HOLIDAY, lambda m, t, h: _pick_year(
        m, t, h, lambda y: holiday_span(_HOL_ALIAS.get(m["hol"], m["hol"]), y)), 0),
    ("en_word", r"(?<![A-Za-z])(?P<dw>today|yesterday|(?:this|last)\s+(?:week|month|year))(?![A-Za-z])",
     _r_en_word, _I),
    ("en_last", r"(?<![A-Za-z])(?:past|last)\s+(?P<n>[0-9]{1,3})\s+(?P<u>days?|weeks?|months?|years?)"
     r"(?![A-Za-z])", lambda m, t, h: _last_n(t, int(m["n"]), _unit(m["u"])), _I),
    ("en_ago", r"(?<![0-9A-Za-z])(?P<n>[0-9]{1,3})\s+(?P<u>days?|weeks?|months?|years?)\s+ago(?![A-Za-z])",
     lambda m, t, h: _ago(t, int(m["n"]), _unit(m["u"])), _I),
    ("en_month", r"(?<![A-Za-z])" + _EN_MONTH + r"\.?,?\s+(?P<y4>(?:19|20)[0-9]{2})(?![0-9])",
     lambda m, t, h: _month(int(m["y4"]), _EN_MONTHS.index(m["mn"][:3].lower()) + 1), _I),
]]

# Modifiers around the winning expression. 前/后 alone are accepted only when not starting a
# word (前十大, 前沿, 后续) so that "2025年前十大" keeps its meaning.
_PREFIX = re.compile(r"(?:(?P<since>从|自从|(?<!来)自|(?<![A-Za-z])(?:since|from))"
                     r"|(?<![A-Za-z])(?P<after>after)|(?<![A-Za-z])(?P<before>before)"
                     r"|(?P<upto>截至|截止到?|直到|(?<![A-Za-z])(?:until|till)))\s*$", _I)
_SUFFIX = re.compile(r"(?P<around>前后|左右)|(?P<since>以来|起(?!诉|草|飞|步|源|点|因)|开始|至今|迄今|到现在|到今天|到目前为止"
                     r"|\s+onwards?)|(?P<after>之后|以后|后(?![续台端面来期手者盾劲]))"
                     r"|(?P<before>之前|以前|前(?![0-9" + _CN_NUM + r"几千沿景端台身任瞻者提面往进线]))"
                     r"|(?P<upto>为止)", _I)
_CONNECT = re.compile(r"\s*(?:到|至|~|～|—|–|－|-|(?<![A-Za-z])(?:to|until|through|till)(?![A-Za-z]))\s*", _I)
_PARTIAL_DAY = re.compile(_DAY + r"\s*[日号]")
_RANGE_TAIL = re.compile(r"\s*(?:之间|期间)")
_YEAR_GROUPS = ("y4", "ycn", "yr")


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    span: Span
    rule: _Rule
    match: re.Match[str]


def _candidates(query: str, today: Date) -> list[_Cand]:
    out = []
    for rule in _RULES:
        for m in rule.regex.finditer(query):
            try:
                span = rule.resolve(m, today, None)
            except ValueError:  # impossible calendar date such as 2月30日
                span = None
            if span is not None:
                out.append(_Cand(m.start(), m.end(), span, rule, m))
    return out


def _range_end(query: str, pos: int, first: _Cand, cands: list[_Cand],
               today: Date) -> tuple[int, Date] | None:
    """The second end of 'X到Y': Y's end offset and last day. A yearless Y takes X's year
    (2025年3月到5月), moved a year on if that would end before X starts (12月到2月)."""
    start = first.span[0]
    nxt = [c for c in cands if c.start == pos]
    if nxt and start is not None:
        c = max(nxt, key=lambda c: c.end)
        span: Span | None = c.span
        if c.rule.name == "weekday" and c.match["wd"] != "末":  # 上周一到周三: P1's week
            d = _weekday_span(_monday(start), c.match["wd"])[0]
            span = _same(d if d >= start else d + _td(days=7))
        elif not any(c.match.groupdict().get(g) for g in _YEAR_GROUPS):
            for year in (start.year, start.year + 1):
                try:
                    span = c.rule.resolve(c.match, today, year) or span
                except ValueError:
                    continue
                if span[1] is not None and span[1] >= start:
                    break
        return (c.end, span[1]) if span and span[1] else None
    dm = _PARTIAL_DAY.match(query, pos)
    if dm and first.rule.name == "ymd" and start is not None:  # 12月1日到15日
        try:
            return dm.end(), start.replace(day=cn_to_int(dm["d"]))
        except ValueError:
            return None
    return None


def _extend(query: str, c: _Cand, cands: list[_Cand], today: Date) -> tuple[int, int, Span]:
    """Grow the winning match by a range, a prefix and/or a suffix modifier."""
    start, end = c.start, c.end
    since, until = c.span
    pre = _PREFIX.search(query, 0, start)
    con = _CONNECT.match(query, end)
    if con and since is not None:
        second = _range_end(query, con.end(), c, cands, today)
        if second and second[1] >= since:
            tail = _RANGE_TAIL.match(query, second[0])
            end = tail.end() if tail else second[0]
            if pre and pre["since"]:  # 从X到Y / from X to Y
                start = pre.start()
            return start, end, (since, second[1])
    suf = _SUFFIX.match(query, end)
    kind = suf.lastgroup if suf else pre.lastgroup if pre else None
    if kind is None or since is None or until is None:
        return start, end, (since, until)
    if kind == "before" and query[end - 1] in "底末":
        kind = "upto"  # 年底前 / 月底前 = by the end of, inclusive
    start = pre.start() if pre else start
    end = suf.end() if suf else end
    if kind == "around":
        return start, end, (since, until)
    if kind == "since":
        return start, end, (since, None)
    if kind == "after":
        return start, end, (until + _DAY1, None)
    if kind == "before":
        return start, end, (None, since - _DAY1)
    return start, end, (None, until)


_RULE_ORDER = {rule.name: i for i, rule in enumerate(_RULES)}


def parse_time(query: str, today: datetime.date) -> TimeFilter | None:
    """Find the first time expression in ``query`` and resolve it relative to ``today``.

    Returns None when there is none. Otherwise the filter's ``query`` is the input without
    the expression (and without a directly following "的"), whitespace collapsed, so the
    text search does not look for words like "上周" that no item contains."""
    cands = _candidates(query, today)
    if not cands:
        return None
    best = min(cands, key=lambda c: (c.start, -c.end, _RULE_ORDER[c.rule.name]))
    start, end, (since, until) = _extend(query, best, cands, today)
    cut = end + 1 if query[end:end + 1] == "的" else end
    rest = " ".join((query[:start] + " " + query[cut:]).split()).strip(" ,，、;；:：")
    return TimeFilter(since, until, query[start:end].strip(), rest)
