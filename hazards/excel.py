"""Excel in and out: the ledger import template, row-by-row validation of an uploaded
ledger, the campaign target sheet, and the export of a filtered ledger.

The column headers of the import sheets are the offices' own (Chinese) headers: they are
a file format, not interface text, so an office's existing sheet can be pasted into the
template whatever language the user reads. English aliases are accepted too."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Unit, UnitKind, User
from hazards import access
from hazards.models import Campaign, CampaignTarget, Grade, Hazard, HazardCategory, Source, State

if TYPE_CHECKING:  # openpyxl is imported where a sheet is read or written (it costs every worker ~10 MB)
    from openpyxl import Workbook

MAX_IMPORT_ROWS = 20000


def neutralise(value: Any) -> Any:
    """Make a text cell safe from formula injection (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 14


HAZARD_COLUMNS = [
    Column("title", "隐患名称", True, ("title", "名称"), 24),
    Column("category", "排查领域", True, ("category", "隐患类别", "领域"), 14),
    Column("grade", "隐患等级", True, ("grade", "等级"), 10),
    Column("description", "隐患描述", True, ("description", "隐患内容", "问题描述"), 40),
    Column("town", "所属镇街", True, ("town", "镇街", "街道"), 12),
    Column("unit", "责任单位", True, ("responsible unit", "unit"), 20),
    Column("address", "隐患地点", True, ("location", "address", "地点", "地址"), 28),
    Column("found_on", "发现日期", True, ("found on", "found_on", "排查日期"), 12),
    Column("deadline", "整改期限", False, ("deadline", "整改时限"), 12),
    Column("responsible_person", "责任人", False, ("responsible person",), 10),
    Column("responsible_phone", "联系电话", False, ("phone", "电话"), 14),
    Column("latitude", "纬度", False, ("latitude", "lat"), 11),
    Column("longitude", "经度", False, ("longitude", "lng", "lon"), 11),
    Column("source", "来源", False, ("source", "隐患来源"), 10),
    Column("measures", "整改措施", False, ("measures",), 30),
    Column("funds_amount", "整改资金（万元）", False, ("funds", "整改资金", "资金（万元）", "整改资金(万元)"), 12),
    Column("contingency", "应急预案", False, ("contingency plan", "contingency", "预案"), 30),
]

TARGET_COLUMNS = [
    Column("name", "名称", True, ("name", "排查对象", "对象名称"), 28),
    Column("kind", "类型", False, ("kind", "对象类型"), 8),
    Column("category", "排查领域", True, ("category", "领域"), 14),
    Column("town", "所属镇街", True, ("town", "镇街"), 12),
    Column("address", "地址", False, ("address", "地点"), 28),
    Column("latitude", "纬度", False, ("latitude", "lat"), 11),
    Column("longitude", "经度", False, ("longitude", "lng", "lon"), 11),
]

GRADE_WORDS = {
    "一般": Grade.GENERAL,
    "一般隐患": Grade.GENERAL,
    "general": Grade.GENERAL,
    "重大": Grade.MAJOR,
    "重大隐患": Grade.MAJOR,
    "major": Grade.MAJOR,
}
SOURCE_WORDS = {
    "检查": Source.INSPECTION,
    "排查": Source.INSPECTION,
    "检查发现": Source.INSPECTION,
    "inspection": Source.INSPECTION,
    "信访": Source.CASE,
    "信访件": Source.CASE,
    "投诉": Source.CASE,
    "complaint case": Source.CASE,
    "单位报告": Source.UNIT_REPORT,
    "单位上报": Source.UNIT_REPORT,
    "report by a unit": Source.UNIT_REPORT,
    "群众举报": Source.PUBLIC_REPORT,
    "举报": Source.PUBLIC_REPORT,
    "report by the public": Source.PUBLIC_REPORT,
}
KIND_WORDS = {
    "单位": CampaignTarget.Kind.UNIT,
    "场所": CampaignTarget.Kind.SITE,
    "网格": CampaignTarget.Kind.GRID,
    "unit": "unit",
    "site": "site",
    "grid": "grid",
}
DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _norm_header(text: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(text or "")).lower()


# ---------------------------------------------------------------- writing


def _style_header(ws: Any, columns: list[Column]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="B3261E")
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header + (" *" if col.required else ""))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"


def _lists_sheet(wb: Workbook, user: User) -> dict[str, str]:
    """A sheet with the valid values; returns data-validation ranges by column key."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_("Valid values"))
    categories = [c.name for c in HazardCategory.objects.filter(is_active=True)]
    towns = [
        u.name
        for u in Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("sort_order", "id")
        if access.user_covers_unit(user, u)
    ]
    units = [u.name for u in Unit.objects.filter(is_active=True).exclude(kind=UnitKind.DISTRICT).order_by("path")]
    lists = {
        "category": categories,
        "grade": ["一般隐患", "重大隐患"],
        "town": towns,
        "unit": units,
        "source": ["检查", "信访件", "单位报告", "群众举报"],
    }
    heads = {"category": "排查领域", "grade": "隐患等级", "town": "所属镇街", "unit": "责任单位", "source": "来源"}
    ranges = {}
    for i, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        ws.cell(row=1, column=i, value=heads[key]).font = Font(bold=True)
        for j, value in enumerate(values, start=2):
            ws.cell(row=j, column=i, value=value)
        ws.column_dimensions[letter].width = 22
        ranges[key] = f"'{ws.title}'!${letter}$2:${letter}${max(2, len(values) + 1)}"
    return ranges


def hazard_template_xlsx(user: User) -> bytes:
    """The import template: headers, one example row, drop-down lists and instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    _style_header(ws, HAZARD_COLUMNS)
    example = {
        "title": "示例：仓库消防通道堆放杂物",
        "category": (HazardCategory.objects.filter(is_active=True).values_list("name", flat=True).first() or ""),
        "grade": "一般隐患",
        "description": "示例：仓库东侧消防通道堆放纸箱，宽度不足1米（导入前请删除本行）",
        "town": "",
        "unit": "",
        "address": "示例：某路18号",
        "found_on": timezone.localdate(),
        "source": "检查",
    }
    for i, col in enumerate(HAZARD_COLUMNS, start=1):
        cell = ws.cell(row=2, column=i, value=example.get(col.key))
        cell.font = Font(italic=True, color="888888")
        if col.key in ("found_on", "deadline"):
            cell.number_format = "yyyy-mm-dd"
    ranges = _lists_sheet(wb, user)
    keys = [c.key for c in HAZARD_COLUMNS]
    for key, ref in ranges.items():
        letter = get_column_letter(keys.index(key) + 1)
        dv = DataValidation(type="list", formula1=f"={ref}", allow_blank=True)
        dv.error = _("Choose a value from the list.")
        dv.add(f"{letter}2:{letter}{MAX_IMPORT_ROWS + 1}")
        ws.add_data_validation(dv)
    help_ws = wb.create_sheet(pgettext("hazard", "Instructions"))
    lines = [
        _("Fill one hazard per row on the first sheet; columns marked * are required."),
        _("Category, town and responsible unit must be written exactly as on the “Valid values” sheet (name or code)."),
        _("Grade: 一般隐患 (general) or 重大隐患 (major). Dates as 2025-03-01, 2025/3/1 or 2025年3月1日."),
        _("A deadline left empty is set by the rules (general hazards: 7 days after the date found)."),
        _(
            "For a major hazard, the plan columns (measures, funds, contingency plan) together with the responsible person and the deadline form its five-point plan; give all of them or none."
        ),
        _("Nothing is imported unless every row is valid; each error names the row and the column."),
        _("A row with the same place, category and description as an existing hazard is reported as a duplicate."),
    ]
    help_ws.column_dimensions["A"].width = 120
    for i, line in enumerate(lines, start=1):
        help_ws.cell(row=i, column=1, value=line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def target_template_xlsx(campaign: Campaign) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "排查对象"
    _style_header(ws, TARGET_COLUMNS)
    cats = list(campaign.categories.values_list("name", flat=True))
    ws.append(["示例：某某加油站（导入前请删除本行）", "场所", cats[0] if cats else "", "", "示例：某路1号", None, None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_xlsx(rows: Iterable[Hazard], today: dt.date | None = None) -> bytes:
    """A filtered ledger as .xlsx (write-only, streams any number of rows)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    today = today or timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Hazard ledger"))
    headers = [
        _("Number"),
        pgettext("hazard", "Title"),
        pgettext("hazard", "Category"),
        _("Grade"),
        _("State"),
        pgettext("hazard", "Town / street"),
        _("Responsible unit"),
        pgettext("hazard", "Location"),
        pgettext("hazard", "Description"),
        _("Found on"),
        pgettext("hazard", "Deadline"),
        pgettext("hazard", "Overdue"),
        _("Listed supervision"),
        _("Responsible person"),
        pgettext("hazard", "Phone"),
        _("Source"),
        _("Rectified on"),
        _("Closed on"),
    ]
    widths = [14, 28, 12, 10, 10, 12, 20, 28, 40, 12, 12, 8, 14, 10, 14, 12, 12, 12]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.append(headers)
    yes, no = _("Yes"), _("No")
    for h in rows:
        ws.append(
            [
                neutralise(v)
                for v in (
                    h.number,
                    h.title,
                    h.category.name,
                    h.get_grade_display(),
                    h.get_state_display(),
                    h.town.name,
                    h.unit.name,
                    h.address,
                    h.description,
                    h.found_on,
                    h.deadline,
                    yes if h.is_overdue(today) else no,
                    h.get_listed_level_display() if h.is_listed else "",
                    h.responsible_person,
                    h.responsible_phone,
                    h.get_source_display(),
                    h.rectified_on,
                    timezone.localdate(h.closed_at) if h.closed_at else None,
                )
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- reading


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParseResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)


class SheetError(Exception):
    """The file as a whole cannot be read (not a workbook, no header row, ...)."""


def open_sheet(data: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(data, read_only=True, data_only=True)
    except Exception:
        raise SheetError(_("The file is not an Excel workbook (.xlsx) that can be read."))
    return wb.worksheets[0]


def count_rows(data: IO[bytes]) -> int:
    ws = open_sheet(data)
    return max(0, (ws.max_row or 1) - 1)


def _find_header(rows: Iterator[tuple[Any, ...]], columns: list[Column]) -> tuple[int, dict[str, int]]:
    required = {c.key for c in columns if c.required}
    lookup: dict[str, str] = {}
    for c in columns:
        for name in (c.header, *c.aliases):
            lookup[_norm_header(name)] = c.key
    for index, row in enumerate(rows, start=1):
        mapping: dict[str, int] = {}
        for pos, value in enumerate(row):
            key = lookup.get(_norm_header(value))
            if key and key not in mapping:
                mapping[key] = pos
        if required <= set(mapping):
            return index, mapping
        if index >= 10:
            break
    missing = [c.header for c in columns if c.required]
    raise SheetError(_("No header row found in the first 10 rows; the sheet needs the columns: %(cols)s") % {"cols": "、".join(missing)})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a real date, an Excel serial number or text like 2025-3-1 / 2025年3月1日.
    Raises ValueError for anything else."""
    from openpyxl.utils.datetime import from_excel

    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and 20000 < value < 80000:
        converted = from_excel(value)
        return converted.date() if isinstance(converted, dt.datetime) else converted  # type: ignore[return-value]
    match = DATE_RE.match(str(value))
    if not match:
        raise ValueError(str(value))
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _decimal(value: Any) -> Decimal | None:
    text = _text(value)
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text)


class Lookups:
    """Categories, towns and units by name or code, built once per file."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.categories: dict[str, HazardCategory] = {}
        for c in HazardCategory.objects.filter(is_active=True):
            for key in (c.name, c.code, c.name_en):
                if key:
                    self.categories[key.strip().lower()] = c
        self.towns: dict[str, Unit] = {}
        self.units: dict[str, Unit] = {}
        for u in Unit.objects.filter(is_active=True):
            for key in (u.name, u.code, u.name_en):
                if key:
                    self.units.setdefault(key.strip().lower(), u)
                    if u.kind == UnitKind.TOWN:
                        self.towns[key.strip().lower()] = u

    def category(self, text: str) -> HazardCategory | None:
        return self.categories.get(text.lower())

    def town(self, text: str) -> Unit | None:
        return self.towns.get(text.lower())

    def unit(self, text: str) -> Unit | None:
        return self.units.get(text.lower())


def _cell(row: tuple[Any, ...], mapping: dict[str, int], key: str) -> Any:
    pos = mapping.get(key)
    return row[pos] if pos is not None and pos < len(row) else None


def parse_hazard_sheet(
    data: IO[bytes], *, user: User, progress: Callable[[int, int], None] | None = None, today: dt.date | None = None
) -> ParseResult:
    """Validate every row; collect all errors (row, column, message) and the duplicates."""
    from hazards.services import dedupe_key_for, default_deadline

    today = today or timezone.localdate()
    ws = open_sheet(data)
    total = max(0, (ws.max_row or 1) - 1)
    rows_iter = ws.iter_rows(values_only=True)
    header_index, mapping = _find_header(rows_iter, HAZARD_COLUMNS)
    headers = {c.key: c.header for c in HAZARD_COLUMNS}
    lookups = Lookups(user)
    result = ParseResult()
    keys_in_file: dict[str, int] = {}
    row_no = header_index
    for row in rows_iter:
        row_no += 1
        if progress and row_no % 200 == 0:
            progress(row_no - header_index, total)
        if row is None or all(v is None or _text(v) == "" for v in row):
            continue
        title = _text(_cell(row, mapping, "title"))
        if title.startswith("示例"):
            continue
        if len(result.rows) + len(result.duplicates) >= MAX_IMPORT_ROWS:
            raise SheetError(_("A file may hold at most %(n)d hazards; split it into several files.") % {"n": MAX_IMPORT_ROWS})
        errs: list[RowError] = []

        def err(key: str, message: str, row_no: int = row_no, errs: list[RowError] = errs) -> None:
            errs.append(RowError(row_no, headers[key], message))

        values: dict[str, Any] = {}
        for col in HAZARD_COLUMNS:
            if col.required and not _text(_cell(row, mapping, col.key)):
                err(col.key, _("This column is required."))
        values["title"] = title[:120]
        if len(title) > 120:
            err("title", _("At most 120 characters."))
        values["description"] = _text(_cell(row, mapping, "description"))
        values["address"] = _text(_cell(row, mapping, "address"))[:200]
        values["responsible_person"] = _text(_cell(row, mapping, "responsible_person"))[:60]
        values["responsible_phone"] = _text(_cell(row, mapping, "responsible_phone"))[:40]
        cat_text = _text(_cell(row, mapping, "category"))
        category = lookups.category(cat_text) if cat_text else None
        if cat_text and category is None:
            err("category", _("Unknown category “%(value)s”.") % {"value": cat_text})
        values["category"] = category
        grade_text = _text(_cell(row, mapping, "grade"))
        grade = GRADE_WORDS.get(grade_text.lower()) if grade_text else None
        if grade_text and grade is None:
            err("grade", _("Unknown grade “%(value)s”: write 一般隐患 or 重大隐患.") % {"value": grade_text})
        values["grade"] = grade
        town_text = _text(_cell(row, mapping, "town"))
        town = lookups.town(town_text) if town_text else None
        if town_text and town is None:
            err("town", _("Unknown town or street “%(value)s”.") % {"value": town_text})
        unit_text = _text(_cell(row, mapping, "unit"))
        unit = lookups.unit(unit_text) if unit_text else None
        if unit_text and unit is None:
            err("unit", _("Unknown unit “%(value)s”.") % {"value": unit_text})
        if town and unit and not (access.user_covers_unit(user, town) or access.user_covers_unit(user, unit)):
            err("town", _("This town and unit are outside your territory."))
        values["town"], values["unit"] = town, unit
        found_on = deadline = None
        raw_found = _cell(row, mapping, "found_on")
        try:
            found_on = parse_date(raw_found)
        except ValueError:
            err("found_on", _("“%(value)s” is not a date (write 2025-03-01).") % {"value": _text(raw_found)})
        if found_on and found_on > today:
            err("found_on", _("The date found cannot be in the future."))
        raw_deadline = _cell(row, mapping, "deadline")
        try:
            deadline = parse_date(raw_deadline)
        except ValueError:
            err("deadline", _("“%(value)s” is not a date (write 2025-03-01).") % {"value": _text(raw_deadline)})
        if found_on and deadline and deadline < found_on:
            err("deadline", _("The deadline cannot be before the date the hazard was found."))
        values["found_on"] = found_on
        for key in ("latitude", "longitude"):
            try:
                number = _decimal(_cell(row, mapping, key))
            except ValueError:
                err(key, _("“%(value)s” is not a number.") % {"value": _text(_cell(row, mapping, key))})
                number = None
            limit = 90 if key == "latitude" else 180
            if number is not None and not (-limit <= number <= limit):
                err(key, _("Out of range."))
                number = None
            values[key] = number.quantize(Decimal("0.000001")) if number is not None else None
        if (values["latitude"] is None) != (values["longitude"] is None) and not any(
            e.column in (headers["latitude"], headers["longitude"]) for e in errs
        ):
            err("latitude", _("Give both latitude and longitude, or neither."))
        source_text = _text(_cell(row, mapping, "source"))
        source = SOURCE_WORDS.get(source_text.lower()) if source_text else Source.UNIT_REPORT
        if source is None:
            err("source", _("Unknown source “%(value)s”: write 检查, 信访件, 单位报告 or 群众举报.") % {"value": source_text})
        values["source"] = source
        measures = _text(_cell(row, mapping, "measures"))
        contingency = _text(_cell(row, mapping, "contingency"))
        funds = None
        try:
            funds = _decimal(_cell(row, mapping, "funds_amount"))
        except ValueError:
            err("funds_amount", _("“%(value)s” is not a number.") % {"value": _text(_cell(row, mapping, "funds_amount"))})
        plan = None
        if grade == Grade.MAJOR and (measures or contingency or funds is not None):
            needed = {
                "responsible_person": values["responsible_person"],
                "measures": measures,
                "funds_amount": funds,
                "deadline": deadline,
                "contingency": contingency,
            }
            for key, value in needed.items():
                if value in (None, ""):
                    err(key, _("A major hazard's plan needs all five items; this one is missing."))
            if funds is not None and funds < 0:
                err("funds_amount", _("The funds cannot be negative."))
            plan = {
                "responsible_person": values["responsible_person"],
                "measures": measures,
                "funds_amount": funds,
                "deadline": deadline,
                "contingency": contingency,
            }
        values["plan"] = plan
        if found_on and grade and deadline is None:
            deadline = default_deadline(grade=grade, found_on=found_on)
        values["deadline"] = deadline
        if errs:
            result.errors.extend(errs)
            continue
        key = dedupe_key_for(address=values["address"], category_id=category.pk, description=values["description"])  # type: ignore[union-attr]
        values["dedupe_key"] = key
        values["row"] = row_no
        if key in keys_in_file:
            result.duplicates.append({"row": row_no, "of_row": keys_in_file[key], "number": "", "title": title})
            continue
        keys_in_file[key] = row_no
        result.rows.append(values)
    if progress:
        progress(total, total)
    if result.rows:
        existing: dict[str, str] = {}
        keys = [r["dedupe_key"] for r in result.rows]
        for start in range(0, len(keys), 500):
            existing.update(dict(Hazard.objects.filter(dedupe_key__in=keys[start : start + 500]).values_list("dedupe_key", "number")))
        if existing:
            kept = []
            for r in result.rows:
                if r["dedupe_key"] in existing:
                    result.duplicates.append({"row": r["row"], "of_row": None, "number": existing[r["dedupe_key"]], "title": r["title"]})
                else:
                    kept.append(r)
            result.rows = kept
    result.duplicates.sort(key=lambda d: d["row"])
    return result


def duplicate_errors(duplicates: list[dict[str, Any]]) -> list[RowError]:
    out = []
    for d in duplicates:
        if d.get("number"):
            msg = _("Duplicate of existing hazard %(number)s (same place, category and description).") % {"number": d["number"]}
        else:
            msg = _("Duplicate of row %(row)d in this file (same place, category and description).") % {"row": d["of_row"]}
        out.append(RowError(d["row"], "隐患描述", msg))
    return out


def parse_target_sheet(data: IO[bytes], *, user: User, campaign: Campaign) -> ParseResult:
    ws = open_sheet(data)
    rows_iter = ws.iter_rows(values_only=True)
    header_index, mapping = _find_header(rows_iter, TARGET_COLUMNS)
    headers = {c.key: c.header for c in TARGET_COLUMNS}
    lookups = Lookups(user)
    allowed = set(campaign.categories.values_list("pk", flat=True))
    existing = set(CampaignTarget.objects.filter(campaign=campaign).values_list("category_id", "name"))
    result = ParseResult()
    seen: set[tuple[int, str]] = set()
    row_no = header_index
    for row in rows_iter:
        row_no += 1
        if row is None or all(v is None or _text(v) == "" for v in row):
            continue
        name = _text(_cell(row, mapping, "name"))
        if name.startswith("示例"):
            continue
        errs = []
        for col in TARGET_COLUMNS:
            if col.required and not _text(_cell(row, mapping, col.key)):
                errs.append(RowError(row_no, col.header, _("This column is required.")))
        cat_text = _text(_cell(row, mapping, "category"))
        category = lookups.category(cat_text) if cat_text else None
        if cat_text and (category is None or category.pk not in allowed):
            errs.append(RowError(row_no, headers["category"], _("“%(value)s” is not a category of this campaign.") % {"value": cat_text}))
        town_text = _text(_cell(row, mapping, "town"))
        town = lookups.town(town_text) if town_text else None
        if town_text and town is None:
            errs.append(RowError(row_no, headers["town"], _("Unknown town or street “%(value)s”.") % {"value": town_text}))
        kind_text = _text(_cell(row, mapping, "kind"))
        kind = KIND_WORDS.get(kind_text.lower()) if kind_text else CampaignTarget.Kind.SITE
        if kind is None:
            errs.append(RowError(row_no, headers["kind"], _("Unknown kind “%(value)s”: write 单位, 场所 or 网格.") % {"value": kind_text}))
        coords: dict[str, Decimal | None] = {}
        for key in ("latitude", "longitude"):
            try:
                coords[key] = _decimal(_cell(row, mapping, key))
            except ValueError:
                errs.append(RowError(row_no, headers[key], _("“%(value)s” is not a number.") % {"value": _text(_cell(row, mapping, key))}))
                coords[key] = None
        if category and name:
            if (category.pk, name) in existing:
                errs.append(RowError(row_no, headers["name"], _("The campaign already has a target of this name in this category.")))
            elif (category.pk, name) in seen:
                errs.append(RowError(row_no, headers["name"], _("This target appears twice in the file.")))
            seen.add((category.pk, name))
        if errs:
            result.errors.extend(errs)
            continue
        result.rows.append(
            {
                "name": name[:120],
                "kind": kind,
                "category": category,
                "town": town,
                "address": _text(_cell(row, mapping, "address"))[:200],
                **coords,
            }
        )
    return result


def hazards_for_export(qs: QuerySet[Hazard]) -> Iterator[Hazard]:
    return qs.select_related("category", "town", "unit").iterator(chunk_size=2000)


__all__ = ["State", "Q"]
