"""Excel and Word files of command and duty: the roster (export and import format), the
daily summary, and the progress tables of central assignment."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Unit
from duty.models import DutyShift, SpecialPeriod

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMULA_START = ("=", "+", "-", "@")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- roster --------------------------------------------------------------------------------


def roster_headers() -> list[str]:
    return [_("Date"), _("From"), _("To"), _("Leader on duty"), _("Officer on duty"), _("Duty phone")]


def roster_xlsx(unit: Unit, shifts_by_day: dict[dt.date, list[DutyShift]], days: Iterable[dt.date]) -> bytes:
    """One row per shift; a day without roster gets an empty row to fill in. The file is
    the import format too."""
    rows: list[list[Any]] = []
    for day in days:
        shifts = shifts_by_day.get(day, [])
        if not shifts:
            rows.append([day.isoformat(), "", "", "", "", ""])
        for s in shifts:
            rows.append(
                [
                    day.isoformat(),
                    timezone.localtime(s.starts_at).strftime("%H:%M"),
                    timezone.localtime(s.ends_at).strftime("%H:%M"),
                    s.leader_name,
                    s.officer_name,
                    s.phone,
                ]
            )
    return _sheet(_("Duty roster"), roster_headers(), rows, [14, 9, 9, 16, 16, 18])


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("/", "-").replace(".", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            parts = text.split("-")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                try:
                    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
                except ValueError:
                    return None
    return None


def _as_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        text = value.strip().replace("：", ":")
        if text in ("24:00", "24:00:00"):
            return dt.time(0, 0)
        for fmt in ("%H:%M", "%H:%M:%S", "%H.%M"):
            try:
                return dt.datetime.strptime(text, fmt).time()
            except ValueError:
                continue
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


def parse_roster_xlsx(upload: IO[bytes], handover: dt.time) -> dict[dt.date, list[tuple[int, dt.time, dt.time, str, str, str]]]:
    """Read a roster sheet: rows of date, from, to, leader, officer, phone. Empty from/to
    mean the whole duty day. A date whose rows are all blank is skipped. Raises
    ValidationError listing every bad row."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    ws = wb.worksheets[0]
    errors: list[str] = []
    days: dict[dt.date, list[tuple[int, dt.time, dt.time, str, str, str]]] = {}
    for index, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(row[:6]) + [None] * (6 - len(row[:6]))
        if all(c is None or _text(c) == "" for c in cells):
            continue
        day = _as_date(cells[0])
        if day is None:
            if index == 1:
                continue  # the header row
            errors.append(_("Row %(row)d: “%(value)s” is not a date.") % {"row": index, "value": _text(cells[0])})
            continue
        leader, officer, phone = _text(cells[3]), _text(cells[4]), _text(cells[5])
        start_raw, end_raw = cells[1], cells[2]
        if not leader and not officer and not phone and _text(start_raw) == "" and _text(end_raw) == "":
            continue  # an unfilled day of an exported sheet
        start = _as_time(start_raw) if _text(start_raw) else handover
        end = _as_time(end_raw) if _text(end_raw) else handover
        if start is None or end is None:
            errors.append(_("Row %(row)d: the times must look like 08:30.") % {"row": index})
            continue
        days.setdefault(day, []).append((index, start, end, leader, officer, phone))
    if len(days) > 400:
        errors.append(_("A file may hold at most 400 days."))
    if errors:
        raise ValidationError(errors)
    if not days:
        raise ValidationError(_("The file holds no roster rows."))
    return days


# --- daily summary -------------------------------------------------------------------------


def _state_label(state: str) -> str:
    return {
        "on_time": pgettext("duty", "On time"),
        "late": _("Late"),
        "missing": _("Missing"),
        "pending": _("Not yet due"),
        "optional": _("Not required"),
    }[state]


def _report_text(report: Any) -> str:
    if report is None:
        return ""
    if report.nothing_to_report and not report.situation:
        return _("Nothing to report")
    parts = []
    for label, value in (
        (_("Situation"), report.situation),
        (_("Incidents"), report.incidents),
        (_("Hazards"), report.hazards),
        (_("Help needed"), report.help_needed),
    ):
        if value:
            parts.append(f"{label}：{value}")
    return "\n".join(parts)


def daily_summary_xlsx(day: dt.date, rows: Sequence[Any]) -> bytes:
    headers = [_("Unit"), _("Required"), _("Due at"), _("State"), _("Filed at"), _("Content")]
    data = [
        [
            r.unit.name,
            _("Yes") if r.required else _("No"),
            timezone.localtime(r.due_at).strftime("%H:%M"),
            _state_label(r.state),
            timezone.localtime(r.report.submitted_at).strftime("%Y-%m-%d %H:%M") if r.report else "",
            _report_text(r.report),
        ]
        for r in rows
    ]
    return _sheet(_("Daily reports %(date)s") % {"date": day.isoformat()}, headers, data, [24, 8, 8, 10, 17, 70])


def _docx_table(doc: Any, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)


def _new_doc(landscape: bool = False) -> Any:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "SimSun")
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        section.left_margin = section.right_margin = Cm(1.8)
    return doc


def daily_summary_docx(
    day: dt.date, rows: Sequence[Any], counts: dict[str, int], periods: Sequence[SpecialPeriod], urgent: Sequence[Any]
) -> bytes:
    """The district's daily summary as a Word brief: counts, the special period's section,
    urgent incidents and the table of all units."""
    doc = _new_doc(landscape=True)
    doc.add_heading(_("Daily duty summary %(date)s") % {"date": day.isoformat()}, level=1)
    doc.add_paragraph(
        _("Required: %(required)d; on time: %(on_time)d; late: %(late)d; missing: %(missing)d; not yet due: %(pending)d.") % counts
    )
    for period in periods:
        doc.add_heading(
            _("Special period: %(name)s (%(start)s to %(end)s)")
            % {"name": period.name, "start": period.start_date, "end": period.end_date},
            level=2,
        )
        if period.description:
            doc.add_paragraph(period.description)
        in_period = [r for r in rows if r.period is not None and r.period.pk == period.pk]
        late_or_missing = [r.unit.name for r in in_period if r.state in ("late", "missing")]
        doc.add_paragraph(
            _("%(n)d unit(s) report under this period; late or missing: %(units)s.")
            % {"n": len(in_period), "units": "、".join(late_or_missing) or _("none")}
        )
    doc.add_heading(_("Urgent incidents"), level=2)
    if urgent:
        for u in urgent:
            doc.add_paragraph(
                f"{u.number} {u.unit.name}：{u.title}（{timezone.localtime(u.occurred_at):%m-%d %H:%M}，{u.place}）", style="List Bullet"
            )
    else:
        doc.add_paragraph(_("No urgent incidents were reported."))
    help_rows = [r for r in rows if r.report is not None and r.report.help_needed]
    if help_rows:
        doc.add_heading(_("Matters needing help from the district"), level=2)
        for r in help_rows:
            doc.add_paragraph(f"{r.unit.name}：{r.report.help_needed}", style="List Bullet")
    doc.add_heading(_("Reports of all units"), level=2)
    _docx_table(
        doc,
        [_("Unit"), _("State"), _("Filed at"), _("Content")],
        [
            [
                r.unit.name,
                _state_label(r.state),
                timezone.localtime(r.report.submitted_at).strftime("%H:%M") if r.report else "",
                _report_text(r.report),
            ]
            for r in rows
        ],
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def table_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> bytes:
    return _sheet(title, headers, rows, widths)


def table_docx(title: str, intro: str, sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]]) -> bytes:
    """A Word document with a title, an introduction and one table per section."""
    doc = _new_doc(landscape=True)
    doc.add_heading(title, level=1)
    if intro:
        doc.add_paragraph(intro)
    for heading, headers, rows in sections:
        doc.add_heading(heading, level=2)
        _docx_table(doc, headers, rows)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- central assignment -------------------------------------------------------------------------


def _status_label(status: str) -> str:
    from duty.models import BatchItem

    return str(BatchItem.Status(status).label)


def batch_case_rows(table: Any) -> list[list[str]]:
    out = []
    for i, row in enumerate(table.rows, start=1):
        item = row.item
        out.append(
            [
                str(i),
                item.case.number,
                item.case.title,
                item.unit.name,
                item.case.get_state_display(),
                _status_label(item.status),
                timezone.localtime(row.last.reported_at).strftime("%Y-%m-%d") if row.last else "",
                row.last.text if row.last else "",
            ]
        )
    return out


def batch_unit_rows(table: Any) -> list[list[str]]:
    rows = [
        [
            t.unit.name,
            str(t.total),
            str(t.resolved),
            str(t.progressing),
            str(t.pending),
            f"{round(100 * t.resolved / t.total) if t.total else 0}%",
        ]
        for t in table.per_unit
    ]
    total = table.totals
    rows.append(
        [
            _("Total"),
            str(total.total),
            str(total.resolved),
            str(total.progressing),
            str(total.pending),
            f"{round(100 * total.resolved / total.total) if total.total else 0}%",
        ]
    )
    return rows


def _case_headers() -> list[str]:
    return [
        _("No."),
        _("Case number"),
        _("Title"),
        _("Handling unit"),
        _("Case state"),
        _("Progress"),
        _("Last report"),
        _("Latest progress"),
    ]


def _unit_headers() -> list[str]:
    return [_("Unit"), _("Cases"), pgettext("duty", "Resolved"), _("In progress"), _("No progress yet"), _("Resolution rate")]


def batch_xlsx(batch: Any, table: Any) -> bytes:
    """Two sheets: the progress per case and the totals per unit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("Per case")[:31]
    ws.append(
        [_("%(number)s %(title)s, deadline %(date)s") % {"number": batch.number, "title": batch.title, "date": batch.deadline.isoformat()}]
    )
    ws.append(_case_headers())
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for row in batch_case_rows(table):
        ws.append([safe_cell(v) for v in row])
    for i, width in enumerate([6, 18, 36, 22, 16, 12, 12, 60], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws2 = wb.create_sheet(_("Per unit")[:31])
    ws2.append(_unit_headers())
    for cell in ws2[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for row in batch_unit_rows(table):
        ws2.append([safe_cell(v) for v in row])
    ws2.column_dimensions["A"].width = 26
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def batch_docx(batch: Any, table: Any) -> bytes:
    total = table.totals
    intro = _(
        "Assigned %(date)s, deadline %(deadline)s. %(total)d case(s): %(resolved)d resolved, %(progressing)d in progress, %(pending)d without progress."
    ) % {
        "date": timezone.localtime(batch.created_at).strftime("%Y-%m-%d"),
        "deadline": batch.deadline.isoformat(),
        "total": total.total,
        "resolved": total.resolved,
        "progressing": total.progressing,
        "pending": total.pending,
    }
    if batch.note:
        intro += "\n" + batch.note
    return table_docx(
        _("Progress of central assignment %(number)s: %(title)s") % {"number": batch.number, "title": batch.title},
        intro,
        [(_("Per unit"), _unit_headers(), batch_unit_rows(table)), (_("Per case"), _case_headers(), batch_case_rows(table))],
    )
