"""The campaign report (专项排查工作报告): the same figures as HTML and as a Word document."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from hazards.models import Campaign, Grade, Inspection
from hazards.selectors import campaign_coverage, campaign_hazard_figures, campaign_targets, visible_hazards


def campaign_report_data(user: User, campaign: Campaign) -> dict[str, Any]:
    coverage = campaign_coverage(user, campaign)
    hazards = campaign_hazard_figures(user, campaign)
    targets = campaign_targets(user, campaign)
    inspections = Inspection.objects.filter(campaign=campaign, target__in=targets)
    insp = inspections.aggregate(total=Count("id"), with_hazards=Count("id", filter=Q(found_hazards=True)))
    missing = list(
        targets.filter(inspected_on__isnull=True)
        .select_related("town", "category")
        .order_by("town__sort_order", "category__sort_order", "name")[:500]
    )
    major = list(
        visible_hazards(user)
        .filter(campaign=campaign, grade=Grade.MAJOR)
        .select_related("town", "unit", "category")
        .order_by("found_on", "id")[:200]
    )
    return {
        "campaign": campaign,
        "categories": list(campaign.categories.all()),
        "coverage": coverage,
        "hazards": hazards,
        "inspections": insp,
        "missing": missing,
        "missing_total": coverage["totals"]["missing"],
        "major": major,
        "generated_at": timezone.localtime(),
    }


def _set_font(doc: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def campaign_report_docx(data: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    campaign: Campaign = data["campaign"]
    cov = data["coverage"]
    hz = data["hazards"]["totals"]
    doc = Document()
    _set_font(doc)
    title = doc.add_heading(_("Report on the screening campaign “%(name)s”") % {"name": campaign.name}, level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        _("Period: %(start)s to %(end)s. Categories: %(cats)s. Status: %(status)s.")
        % {
            "start": campaign.starts_on,
            "end": campaign.ends_on,
            "cats": "、".join(c.name for c in data["categories"]),
            "status": campaign.get_status_display(),
        }
    )
    if campaign.description:
        doc.add_paragraph(campaign.description)
    doc.add_heading(_("1. Coverage"), level=2)
    doc.add_paragraph(
        _(
            "%(inspected)d of %(total)d targets inspected, coverage %(rate)s; %(missing)d not yet inspected. %(inspections)d inspections recorded, %(with_hazards)d of them found hazards."
        )
        % {
            "inspected": cov["totals"]["inspected"],
            "total": cov["totals"]["total"],
            "rate": _pct(cov["totals"]["rate"]),
            "missing": cov["totals"]["missing"],
            "inspections": data["inspections"]["total"],
            "with_hazards": data["inspections"]["with_hazards"],
        }
    )
    headers = [pgettext("hazard", "Category"), _("Targets"), _("Inspected"), _("Coverage")]
    _table(doc, headers, [[r["category__name"], r["total"], r["inspected"], _pct(r["rate"])] for r in cov["by_category"]])
    doc.add_paragraph()
    headers = [pgettext("hazard", "Town / street"), _("Targets"), _("Inspected"), _("Coverage")]
    _table(doc, headers, [[r["town__name"], r["total"], r["inspected"], _pct(r["rate"])] for r in cov["by_town"]])
    doc.add_heading(_("2. Hazards found"), level=2)
    doc.add_paragraph(
        _(
            "%(total)d hazards found, %(major)d of them major; %(rectified)d rectified (rectification rate %(rate)s), %(open)d still open, %(overdue)d overdue."
        )
        % {
            "total": hz["total"],
            "major": hz["major"],
            "rectified": hz["rectified"],
            "rate": _pct(hz["rectification_rate"]),
            "open": hz["open"],
            "overdue": hz["overdue"],
        }
    )
    _table(
        doc,
        [pgettext("hazard", "Category"), _("Hazards"), _("Major"), _("Rectified")],
        [[r["category__name"], r["total"], r["major"], r["rectified"]] for r in data["hazards"]["by_category"]],
    )
    if data["major"]:
        doc.add_heading(_("3. Major hazards"), level=2)
        _table(
            doc,
            [
                _("Number"),
                pgettext("hazard", "Title"),
                pgettext("hazard", "Town / street"),
                _("Responsible unit"),
                pgettext("hazard", "Deadline"),
                _("State"),
            ],
            [[h.number, h.title, h.town.name, h.unit.name, h.deadline, h.get_state_display()] for h in data["major"]],
        )
    doc.add_heading(_("4. Targets not yet inspected"), level=2)
    if data["missing"]:
        _table(
            doc,
            [pgettext("hazard", "Town / street"), pgettext("hazard", "Category"), _("Target"), _("Address")],
            [[t.town.name, t.category.name, t.name, t.address] for t in data["missing"]],
        )
        if data["missing_total"] > len(data["missing"]):
            doc.add_paragraph(_("… and %(n)d more.") % {"n": data["missing_total"] - len(data["missing"])})
    else:
        doc.add_paragraph(_("None: every target has been inspected."))
    doc.add_paragraph(_("Generated by Minsheng on %(at)s.") % {"at": data["generated_at"].strftime("%Y-%m-%d %H:%M")})
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
