"""Excel files of the insights module: the dashboard's figures and unit ranking, and the
ledgers (台账) of case lists. Every text cell that a spreadsheet would run as a formula
(starting with = + - @) is neutralised. Ledgers are written row by row (openpyxl's
write-only mode, cases read in chunks), so memory stays flat however many rows."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Role, User
from cases.access import mask_name, mask_phone
from cases.models import Case, CaseFollowUp, CaseReply, Complainant
from insights.models import LedgerExport
from insights.periods import Period
from insights.selectors import Figure, RankRow, Scope, TrendPoint

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@")
#: Cell colours (openpyxl is imported only when a workbook is written: it costs every worker ~10 MB).
FILLS = {"good": "D1E7DD", "warn": "FFF3CD", "bad": "F8D7DA"}
HEADER_FILL = "DCE6F1"
CHUNK = 1000


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _pct(value: float | None) -> Any:
    return "" if value is None else value


def _header(ws: Any, row: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.append([safe_cell(str(h)) for h in row])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(ws: Any, widths: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def dashboard_workbook(
    *,
    scope: Scope,
    period: Period,
    figures: list[Figure],
    counts: dict[str, int],
    ranking: list[RankRow],
    trend: list[TrendPoint],
    categories: list[dict[str, Any]],
) -> bytes:
    """The figures, the unit ranking, the trend and the categories of one dashboard."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = pgettext("insights", "Figures")[:31]
    ws.append([safe_cell(_("Dashboard of %(unit)s") % {"unit": scope.base.name})])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([pgettext("insights", "Period"), safe_cell(period.label())])
    ws.append(
        [pgettext("insights", "Category"), safe_cell(scope.category.name if scope.category else pgettext("insights", "All categories"))]
    )
    ws.append([pgettext("insights", "Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    ws.append([])
    _header(ws, [pgettext("insights", "Count"), pgettext("insights", "Value")])
    for label, key in (
        (pgettext("insights", "New cases"), "received"),
        (pgettext("insights", "Replies issued"), "replied"),
        (pgettext("insights", "Open now"), "open"),
        (pgettext("insights", "Overdue now"), "overdue"),
    ):
        ws.append([label, counts.get(key, 0)])
    ws.append([])
    _header(
        ws,
        [
            pgettext("insights", "Rate"),
            pgettext("insights", "Value (%)"),
            pgettext("insights", "Target (%)"),
            pgettext("insights", "Meets target"),
            pgettext("insights", "Numerator"),
            pgettext("insights", "Denominator"),
            _("Numerator counts"),
            _("Denominator counts"),
            pgettext("insights", "Counted on"),
        ],
    )
    for f in figures:
        meets = {"good": pgettext("insights", "Yes"), "warn": pgettext("insights", "No"), "bad": pgettext("insights", "No")}.get(
            f.status, ""
        )
        ws.append(
            [
                f.label,
                _pct(f.value),
                float(f.target) if f.target is not None else "",
                meets,
                f.numerator,
                f.denominator,
                safe_cell(f.formula_num),
                safe_cell(f.formula_den),
                safe_cell(f.day_basis),
            ]
        )
        if f.status in FILLS:
            ws.cell(row=ws.max_row, column=2).fill = PatternFill("solid", fgColor=FILLS[f.status])
    _widths(ws, [26, 12, 12, 12, 12, 12, 50, 60, 22])

    wr = wb.create_sheet(pgettext("insights", "Unit ranking")[:31])
    codes = [f.code for f in figures]
    labels = {f.code: f.label for f in figures}
    _header(
        wr,
        [
            pgettext("insights", "Unit"),
            pgettext("insights", "New cases"),
            pgettext("insights", "Open now"),
            pgettext("insights", "Overdue now"),
        ]
        + [f"{labels[c]} (%)" for c in codes]
        + [pgettext("insights", "Rates below target")],
    )
    for row in ranking:
        values: list[Any] = [safe_cell(row.label), row.received, row.open, row.overdue]
        values += [_pct(f.value) for f in row.figures]
        values.append(row.behind)
        wr.append(values)
        for i, f in enumerate(row.figures):
            if f.status in FILLS:
                wr.cell(row=wr.max_row, column=5 + i).fill = PatternFill("solid", fgColor=FILLS[f.status])
    wr.append([])
    wr.append([pgettext("insights", "Targets"), "", "", ""] + [float(f.target) if f.target is not None else "" for f in figures])
    _widths(wr, [30, 10, 10, 10] + [12] * len(codes) + [12])
    wr.freeze_panes = "B2"

    wt = wb.create_sheet(pgettext("insights", "Trend")[:31])
    _header(
        wt,
        [
            pgettext("insights", "Date"),
            pgettext("insights", "New cases"),
            pgettext("insights", "Replies issued"),
            _("On-time closure (%)"),
            _("Satisfaction (%)"),
        ],
    )
    from insights.selectors import load_config, rate_numerator

    config = load_config()
    for p in trend:
        s = p.sums
        otc = round(s["ontime_close_n"] * 100 / s["ontime_close_d"], 1) if s["ontime_close_d"] else ""
        sat = round(rate_numerator("satisfaction", s, config) * 100 / s["satisfaction_d"], 1) if s["satisfaction_d"] else ""
        wt.append([p.label, s["received"], s["replied"], otc, sat])
    _widths(wt, [14, 12, 12, 18, 16])

    wc = wb.create_sheet(pgettext("insights", "Categories")[:31])
    _header(wc, [pgettext("insights", "Category"), pgettext("insights", "New cases"), pgettext("insights", "Replies issued")])
    for c in categories:
        wc.append([safe_cell(c["name"]), c["received"], c["replied"]])
    _widths(wc, [24, 12, 12])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Ledgers (台账)
# ---------------------------------------------------------------------------


def ledger_headers() -> list[str]:
    return [
        pgettext("insights", "Number"),
        pgettext("insights", "Received"),
        pgettext("insights", "Channel"),
        pgettext("insights", "Type"),
        pgettext("insights", "Complainant"),
        pgettext("insights", "Phone"),
        pgettext("insights", "Category"),
        pgettext("insights", "Summary"),
        pgettext("insights", "Town / street"),
        pgettext("insights", "Handling unit"),
        pgettext("insights", "State"),
        pgettext("insights", "Next deadline"),
        pgettext("insights", "Overdue"),
        pgettext("insights", "Reply outcome"),
        pgettext("insights", "Reply issued"),
        pgettext("insights", "Follow-up"),
        pgettext("insights", "Satisfaction"),
    ]


LEDGER_WIDTHS = [14, 17, 10, 10, 10, 14, 14, 50, 12, 20, 14, 12, 8, 10, 17, 10, 12]


def sees_identity(user: User, case: Case) -> bool:
    """Whether a ledger shows this case's complainant in clear. Ledgers are conservative:
    only intake, follow-up officers and administrators see names, never of a confidential case
    (an accusation's complainant is revealed only on the case page, with a logged click)."""
    return user.has_role(Role.INTAKE, Role.FOLLOWUP, Role.ADMIN) and not case.confidential


def _summary(text: str, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ledger_rows(user: User, ids: list[int]) -> list[list[Any]]:
    """Ledger rows for these case ids (in this order), in a fixed number of queries."""
    cases = {c.pk: c for c in Case.objects.filter(pk__in=ids).select_related("category", "current_unit", "town")}
    people: dict[int, Complainant] = {}
    for p in Complainant.objects.filter(case_id__in=ids).order_by("case_id", "order", "id"):
        people.setdefault(p.case_id, p)
    replies = {r.case_id: r for r in CaseReply.objects.filter(case_id__in=ids).only("case_id", "outcome", "status")}
    follow: dict[int, CaseFollowUp] = {}
    for fu in CaseFollowUp.objects.filter(case_id__in=ids).order_by("case_id", "at", "id"):
        follow[fu.case_id] = fu
    rows: list[list[Any]] = []
    for cid in ids:
        case = cases.get(cid)
        if case is None:
            continue
        person = people.get(cid)
        if case.anonymous or person is None:
            name, phone = pgettext("insights", "Anonymous") if case.anonymous else "", ""
        elif sees_identity(user, case):
            name, phone = person.name, person.phone
        else:
            name, phone = mask_name(person.name), mask_phone(person.phone)
        reply = replies.get(cid)
        fu = follow.get(cid)
        rows.append(
            [
                case.number,
                timezone.localtime(case.received_at).strftime("%Y-%m-%d %H:%M"),
                str(case.get_channel_display()),
                str(case.get_type_display()),
                name,
                phone,
                case.category.name if case.category else "",
                _("(confidential)") if case.confidential and not sees_identity(user, case) else _summary(case.title + "：" + case.content),
                case.town.name if case.town else "",
                case.current_unit.name if case.current_unit else "",
                str(case.get_state_display()),
                case.next_due.isoformat() if case.next_due else "",
                pgettext("insights", "Yes") if case.is_overdue else "",
                str(reply.get_outcome_display()) if reply is not None and reply.status == CaseReply.Status.ISSUED else "",
                timezone.localtime(case.replied_at).strftime("%Y-%m-%d %H:%M") if case.replied_at else "",
                (pgettext("insights", "Resolved") if fu.resolved else pgettext("insights", "Not resolved")) if fu is not None else "",
                str(fu.get_satisfaction_display()) if fu is not None and fu.satisfaction else "",
            ]
        )
    return rows


def write_ledger(out: Any, user: User, id_chunks: Iterator[list[int]], title: str, progress: Any = None) -> int:
    """Write a ledger workbook to ``out`` (a path or a binary file), chunk by chunk."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(pgettext("insights", "Ledger")[:31])
    for i, w in enumerate(LEDGER_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    title_cell = WriteOnlyCell(ws, value=safe_cell(title))
    title_cell.font = Font(bold=True, size=13)
    ws.append([title_cell])
    header = []
    for h in ledger_headers():
        cell = WriteOnlyCell(ws, value=safe_cell(h))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        header.append(cell)
    ws.append(header)
    n = 0
    for ids in id_chunks:
        for row in ledger_rows(user, ids):
            ws.append([safe_cell(v) for v in row])
            n += 1
        if progress is not None:
            progress(n)
    wb.save(out)
    return n


def exports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_ledger_file(job: LedgerExport) -> str:
    """Write a background export's file; returns its path relative to MEDIA_ROOT."""
    from insights import ledger
    from insights.services import progress_callback

    user = job.requested_by
    chunks = ledger.id_chunks(user, job.params, CHUNK)
    rel = Path("exports") / f"ledger-{job.pk}-{timezone.now():%Y%m%d%H%M%S}.xlsx"
    target = Path(settings.MEDIA_ROOT) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    write_ledger(str(tmp), user, chunks, job.title, progress_callback(job.pk))
    os.replace(tmp, target)
    return str(rel)


def ledger_filename(title: str, when: dt.datetime | None = None) -> str:
    when = timezone.localtime(when or timezone.now())
    return f"台账-{when:%Y%m%d-%H%M}.xlsx"
