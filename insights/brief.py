"""The daily brief (每日研判): what came in since the last brief, what is rising, what is
due and overdue, which units are behind target, and (when those modules are installed)
pending instructions, missing daily reports and overdue hazards.

``compute`` freezes the figures into a JSON-able dict (kept with the brief, so the archive
shows what leaders saw that day); ``render_docx`` writes the Word document from it.
No complainant's personal data enters the brief; confidential cases (accusations) are
counted but not listed by title.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter, defaultdict
from typing import Any

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from accounts.models import Unit, User
from cases.models import OPEN_STATES, Case, Category
from insights.models import DailyBrief, InsightsSettings
from insights.periods import Period

LIST_LIMIT = 20
log = logging.getLogger(__name__)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _unit_names() -> dict[int, str]:
    return dict(Unit.objects.values_list("id", "name"))


def _category_names() -> tuple[dict[int, str], dict[int, int | None], dict[int, int]]:
    rows = list(Category.objects.values_list("id", "name", "parent_id", "level"))
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}, {r[0]: r[3] for r in rows}


def _ancestor_at(cat_id: int | None, level: int, parents: dict[int, int | None], levels: dict[int, int]) -> int | None:
    node = cat_id
    while node is not None and levels.get(node, 0) > level:
        node = parents.get(node)
    return node


def _case_line(case: Case, units: dict[int, str], today: dt.date) -> dict[str, Any]:
    return {
        "number": case.number,
        "title": _("(confidential case)") if case.confidential else case.title,
        "unit": units.get(case.current_unit_id or 0, pgettext("insights", "District level")),
        "due": case.next_due.isoformat() if case.next_due else "",
        "days": (case.next_due - today).days if case.next_due else None,
        "url": case.get_absolute_url(),
    }


BY_UNIT_LIMIT = 10
BEHIND_LIMIT = 12


def _by_unit(qs: Any, units: dict[int, str]) -> list[dict[str, Any]]:
    """Cases per handling unit, the largest first (at most ten units)."""
    rows = qs.order_by().values("current_unit_id").annotate(n=Count("id")).order_by("-n", "current_unit_id")[:BY_UNIT_LIMIT]
    return [{"unit": units.get(r["current_unit_id"] or 0, pgettext("insights", "District level")), "n": r["n"]} for r in rows]


def compute(*, now: dt.datetime, since: dt.datetime, settings: InsightsSettings) -> dict[str, Any]:
    """The content of a brief generated at ``now`` covering new cases since ``since``."""
    with override("zh-hans"):
        return _compute(now=now, since=since, settings=settings)


def _compute(*, now: dt.datetime, since: dt.datetime, settings: InsightsSettings) -> dict[str, Any]:
    today = _local(now).date()
    units = _unit_names()
    cat_names, parents, levels = _category_names()
    data: dict[str, Any] = {"generated_at": now.isoformat(), "since": since.isoformat(), "day": today.isoformat()}

    # 1. New cases since the last brief, by category and by town.
    new = Case.objects.filter(received_at__gte=since, received_at__lt=now)
    by_cat: Counter[int] = Counter()
    for cat_id, n in new.order_by().values_list("category_id").annotate(n=Count("id")):
        top = _ancestor_at(cat_id, 1, parents, levels)
        by_cat[top or 0] += n
    by_town = new.order_by().values("town_id").annotate(n=Count("id")).order_by("-n")
    data["new"] = {
        "total": new.count(),
        "by_category": [{"name": cat_names.get(k, pgettext("insights", "Uncategorised")), "n": v} for k, v in by_cat.most_common()],
        "by_town": [{"name": units.get(r["town_id"] or 0, _("Town not recorded")), "n": r["n"]} for r in by_town],
    }

    # 2. Rising topics: level-2 category x town, the last 7 days against the 7 before.
    week_start = now - dt.timedelta(days=7)
    prev_start = now - dt.timedelta(days=14)
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    recent = Case.objects.filter(received_at__gte=prev_start, received_at__lt=now).order_by()
    for cat_id, town_id, received_at in recent.values_list("category_id", "town_id", "received_at"):
        topic = _ancestor_at(cat_id, 2, parents, levels) or 0
        counts[(topic, town_id or 0)][0 if received_at >= week_start else 1] += 1
    rising = []
    ratio = float(settings.rising_ratio)
    for (topic, town), (this_week, last_week) in counts.items():
        if this_week >= settings.rising_min_count and this_week >= ratio * max(last_week, 1) and this_week > last_week:
            rising.append(
                {
                    "topic": cat_names.get(topic, pgettext("insights", "Uncategorised")),
                    "town": units.get(town, _("Town not recorded")),
                    "this_week": this_week,
                    "last_week": last_week,
                }
            )
    rising.sort(key=lambda r: (-(r["this_week"] - r["last_week"]), r["topic"], r["town"]))
    data["rising"] = rising[:LIST_LIMIT]
    data["rising_rule"] = {"min": settings.rising_min_count, "ratio": float(settings.rising_ratio)}

    # 3. Cases due in the next N days; 4. overdue cases.
    horizon = today + dt.timedelta(days=settings.brief_due_days)
    due = Case.objects.filter(state__in=OPEN_STATES, is_overdue=False, next_due__gte=today, next_due__lte=horizon)
    data["due_soon"] = {
        "days": settings.brief_due_days,
        "total": due.count(),
        "by_unit": _by_unit(due, units),
        "cases": [
            _case_line(c, units, today)
            for c in due.order_by("next_due", "id").only("number", "title", "confidential", "current_unit_id", "next_due")[:LIST_LIMIT]
        ],
    }
    overdue = Case.objects.filter(state__in=OPEN_STATES, is_overdue=True)
    data["overdue"] = {
        "total": overdue.count(),
        "by_unit": _by_unit(overdue, units),
        "cases": [
            _case_line(c, units, today)
            for c in overdue.order_by("next_due", "id").only("number", "title", "confidential", "current_unit_id", "next_due")[:LIST_LIMIT]
        ],
    }

    # 5. Units behind target, month to date.
    data["behind"] = _behind(today)

    # 6-8. Other modules, when installed. A failure there must not cost leaders the whole
    # brief: the section says it could not be computed and the error is logged.
    for key, section in (
        ("instructions", lambda: _instructions(now)),
        ("daily_reports", lambda: _daily_reports(now)),
        ("hazards", lambda: _hazards(today)),
        ("hotspots", _hotspots),
        ("suggestions", lambda: _suggestions(now=now, since=since)),
    ):
        try:
            with transaction.atomic():
                value = section()
        except DatabaseError:
            log.exception("daily brief: section %s failed", key)
            value = {"failed": True, "total": 0, "items": [], "units": []}
        if value is not None:
            data[key] = value
    return data


def _behind(today: dt.date) -> dict[str, Any]:
    from insights import selectors

    period = Period("custom", today.replace(day=1), today)
    root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    out: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat(), "units": []}
    if root is None:
        return out
    scope = selectors.Scope(user=User(), base=root, unit_ids=None, units={u.pk: u for u in Unit.objects.all()})
    config = selectors.load_config()
    for row in selectors.ranking(scope, period, config):
        if row.is_self:
            continue
        lagging = [
            {
                "label": f.label,
                "value": f.value,
                "target": float(f.target) if f.target is not None else None,
                "num": f.numerator,
                "den": f.denominator,
            }
            for f in row.figures
            if f.status in ("bad", "warn")
        ]
        if lagging:
            out["units"].append({"unit": row.unit.name if row.unit else row.label, "rates": lagging})
    out["units"].sort(key=lambda u: (-len(u["rates"]), u["unit"]))
    out["total"] = len(out["units"])
    out["units"] = out["units"][:BEHIND_LIMIT]
    return out


def _model(app: str, name: str) -> Any:
    if not apps.is_installed(app):
        return None
    try:
        return apps.get_model(app, name)
    except LookupError:
        return None


def _instructions(now: dt.datetime) -> dict[str, Any] | None:
    target_model = _model("duty", "InstructionTarget")
    if target_model is None:
        return None
    pending = target_model.objects.filter(instruction__status="open", reported_at__isnull=True).select_related("instruction", "unit")
    overdue_q = Q(instruction__report_deadline__lt=now)
    unacked_q = Q(acknowledged_at__isnull=True, instruction__ack_deadline__lt=now)
    lines = [
        {
            "number": t.instruction.number,
            "title": t.instruction.title,
            "unit": t.unit.name,
            "deadline": _local(t.instruction.report_deadline).strftime("%Y-%m-%d %H:%M"),
            "overdue": t.instruction.report_deadline < now,
            "acknowledged": t.acknowledged_at is not None,
        }
        for t in pending.order_by("instruction__report_deadline", "id")[:LIST_LIMIT]
    ]
    return {
        "total": pending.count(),
        "overdue": pending.filter(overdue_q).count(),
        "unacknowledged": pending.filter(unacked_q).count(),
        "items": lines,
    }


def _daily_reports(now: dt.datetime) -> dict[str, Any] | None:
    if _model("duty", "DailyReport") is None:
        return None
    try:
        from duty.selectors import missing_units
    except ImportError:
        return None
    day = _local(now).date() - dt.timedelta(days=1)
    missing = missing_units(day, now)
    return {"day": day.isoformat(), "total": len(missing), "units": [u.name for u in missing]}


def _hazards(today: dt.date) -> dict[str, Any] | None:
    hazard_model = _model("hazards", "Hazard")
    if hazard_model is None:
        return None
    overdue = hazard_model.objects.filter(state__in=["registered", "rectifying"], deadline__lt=today).select_related("unit", "town")
    lines = [
        {
            "number": h.number,
            "title": h.title,
            "unit": h.unit.name,
            "grade": h.get_grade_display(),
            "deadline": h.deadline.isoformat(),
            "days": (today - h.deadline).days,
        }
        for h in overdue.order_by("deadline", "id")[:LIST_LIMIT]
    ]
    return {"total": overdue.count(), "major": overdue.filter(grade="major").count(), "items": lines}


HOTSPOT_LIMIT = 5


def _hotspots() -> dict[str, Any] | None:
    """The latest hotspots (smart triage), the hottest first."""
    if not apps.is_installed("triage"):
        return None
    from triage.selectors import latest_hotspot_run, top_hotspots

    run = latest_hotspot_run()
    if run is None:
        return {"computed": False, "total": 0, "items": []}
    items = top_hotspots(limit=HOTSPOT_LIMIT, run=run)
    return {
        "computed": True,
        "from": run.period_start.isoformat(),
        "to": (run.period_end - dt.timedelta(days=1)).isoformat(),
        "total": run.hotspots.count(),
        "items": [
            {
                "id": h.pk,
                "title": h.title,
                "size": h.size,
                "previous": h.previous,
                "growth": round(h.growth * 100) if h.previous else None,
                "place": h.place or (h.town.name if h.town else ""),
                "category": h.category.name if h.category else "",
                "url": f"/triage/hotspots/{h.pk}/",
            }
            for h in items
        ],
    }


def _suggestions(*, now: dt.datetime, since: dt.datetime) -> dict[str, Any] | None:
    """How often routing suggestions were taken: since the last brief and the last 30 days."""
    if not apps.is_installed("triage"):
        return None
    from triage.selectors import suggestion_acceptance

    def row(start: dt.datetime) -> dict[str, Any]:
        rate = suggestion_acceptance(start, now)
        return {
            "accepted": rate.accepted,
            "overridden": rate.overridden,
            "without": rate.without,
            "rate": round(rate.rate * 100, 1) if rate.rate is not None else None,
        }

    return {"since": row(since), "month": row(now - dt.timedelta(days=30)), "formula": str(_acceptance_formula())}


def _acceptance_formula() -> str:
    return _("Accepted: the category registered was one of the 3 suggested. Rate = accepted ÷ (accepted + overridden).")


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------


def _font(run: Any, size: int = 12, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "SimSun"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    if color is not None:
        run.font.color.rgb = color


def _para(doc: Any, text: str, size: int = 12, bold: bool = False, center: bool = False) -> None:
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), size, bold)


def _heading(doc: Any, text: str) -> None:
    _para(doc, text, 14, True)


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for i, h in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(h)), 10.5, True)  # type: ignore[arg-type]
    for row in rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            cells[i].text = ""
            _font(cells[i].paragraphs[0].add_run("" if value is None else str(value)), 10.5)  # type: ignore[arg-type]


def section_titles() -> dict[str, str]:
    return {
        "new": _("1. New cases since the last brief"),
        "rising": _("2. Rising topics"),
        "due_soon": _("3. Cases due soon"),
        "overdue": _("4. Overdue cases"),
        "behind": _("5. Units behind target"),
        "instructions": _("6. Pending instructions"),
        "daily_reports": _("7. Missing daily reports"),
        "hazards": _("8. Overdue hazards"),
        "hotspots": _("9. Hotspots"),
        "suggestions": _("10. Routing suggestions taken"),
    }


def render_docx(brief: DailyBrief) -> bytes:
    """The Word document of a brief, in Chinese."""
    with override("zh-hans"):
        return _render_docx(brief)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _render_docx(brief: DailyBrief) -> bytes:
    d = brief.data
    doc = Document()
    titles = section_titles()
    _para(doc, _("Daily brief (analysis and assessment)"), 20, True, center=True)
    gen = _local(dt.datetime.fromisoformat(d["generated_at"]))
    since = _local(dt.datetime.fromisoformat(d["since"]))
    _para(
        doc,
        _("Generated %(when)s; new cases counted from %(since)s.")
        % {"when": gen.strftime("%Y-%m-%d %H:%M"), "since": since.strftime("%Y-%m-%d %H:%M")},
        10.5,
        center=True,
    )

    new = d.get("new", {})
    _heading(doc, titles["new"])
    _para(doc, _("%(n)d new cases.") % {"n": new.get("total", 0)})
    if new.get("by_category"):
        _table(doc, [pgettext("insights", "Category"), pgettext("insights", "Cases")], [[r["name"], r["n"]] for r in new["by_category"]])
    if new.get("by_town"):
        _para(doc, _("By town/street:"))
        _table(doc, [pgettext("insights", "Town / street"), pgettext("insights", "Cases")], [[r["name"], r["n"]] for r in new["by_town"]])

    _heading(doc, titles["rising"])
    rule = d.get("rising_rule", {})
    if d.get("rising"):
        _table(
            doc,
            [
                pgettext("insights", "Topic"),
                pgettext("insights", "Town / street"),
                pgettext("insights", "Last 7 days"),
                pgettext("insights", "7 days before"),
            ],
            [[r["topic"], r["town"], r["this_week"], r["last_week"]] for r in d["rising"]],
        )
    else:
        _para(
            doc,
            _("No topic rose by the rule (at least %(min)s cases and %(ratio)s times the week before).")
            % {"min": rule.get("min", ""), "ratio": rule.get("ratio", "")},
        )

    for key, empty in (("due_soon", _("No case falls due in this time.")), ("overdue", _("No overdue case."))):
        sec = d.get(key, {})
        _heading(doc, titles[key])
        if key == "due_soon":
            _para(doc, _("%(n)d open cases fall due within %(days)d days.") % {"n": sec.get("total", 0), "days": sec.get("days", 3)})
        else:
            _para(doc, _("%(n)d open cases are overdue.") % {"n": sec.get("total", 0)})
        if sec.get("by_unit"):
            _table(doc, [pgettext("insights", "Unit"), pgettext("insights", "Cases")], [[r["unit"], r["n"]] for r in sec["by_unit"]])
        if sec.get("cases"):
            _table(
                doc,
                [
                    pgettext("insights", "Number"),
                    pgettext("insights", "Title"),
                    pgettext("insights", "Unit"),
                    pgettext("insights", "Next deadline"),
                ],
                [[c["number"], c["title"], c["unit"], c["due"]] for c in sec["cases"]],
            )
        elif not sec.get("total"):
            _para(doc, empty)

    behind = d.get("behind", {})
    _heading(doc, titles["behind"])
    _para(doc, _("Rates from %(a)s to %(b)s against their targets.") % {"a": behind.get("from", ""), "b": behind.get("to", "")})
    if behind.get("units"):
        rows = []
        for u in behind["units"]:
            rows.append([u["unit"], "；".join(f"{r['label']} {_pct(r['value'])}（{_('target')} {r['target']:g}%）" for r in u["rates"])])
        _table(doc, [pgettext("insights", "Unit"), pgettext("insights", "Rates below target")], rows)
        if behind.get("total", 0) > len(behind["units"]):
            _para(
                doc,
                _("%(n)d units are behind on at least one rate; the %(shown)d behind on the most rates are listed.")
                % {"n": behind["total"], "shown": len(behind["units"])},
                10.5,
            )
    else:
        _para(doc, _("Every unit meets its targets."))

    failed = _("This section could not be computed; the error was logged for the administrator.")
    if "instructions" in d:
        sec = d["instructions"]
        _heading(doc, titles["instructions"])
        if sec.get("failed"):
            _para(doc, failed)
        else:
            _para(
                doc,
                _("%(n)d results not yet reported, %(late)d past the deadline, %(unack)d not acknowledged in time.")
                % {"n": sec["total"], "late": sec["overdue"], "unack": sec["unacknowledged"]},
            )
            if sec["items"]:
                headers = [
                    pgettext("insights", "Number"),
                    pgettext("insights", "Instruction"),
                    pgettext("insights", "Unit"),
                    pgettext("insights", "Report by"),
                ]
                _table(doc, headers, [[i["number"], i["title"], i["unit"], i["deadline"]] for i in sec["items"]])
    if "daily_reports" in d:
        sec = d["daily_reports"]
        _heading(doc, titles["daily_reports"])
        if sec.get("failed"):
            _para(doc, failed)
        elif sec["total"]:
            _para(
                doc,
                _("%(n)d units did not report for %(day)s: %(units)s.")
                % {"n": sec["total"], "day": sec["day"], "units": "、".join(sec["units"])},
            )
        else:
            _para(doc, _("Every unit reported for %(day)s.") % {"day": sec["day"]})
    if "hazards" in d and d["hazards"].get("failed"):
        _heading(doc, titles["hazards"])
        _para(doc, failed)
    elif "hazards" in d:
        sec = d["hazards"]
        _heading(doc, titles["hazards"])
        _para(doc, _("%(n)d hazards are past their rectification deadline (%(major)d major).") % {"n": sec["total"], "major": sec["major"]})
        if sec["items"]:
            _table(
                doc,
                [
                    pgettext("insights", "Number"),
                    pgettext("insights", "Hazard"),
                    pgettext("insights", "Unit"),
                    pgettext("insights", "Grade"),
                    pgettext("insights", "Deadline"),
                ],
                [[h["number"], h["title"], h["unit"], h["grade"], h["deadline"]] for h in sec["items"]],
            )
    if "hotspots" in d:
        sec = d["hotspots"]
        _heading(doc, titles["hotspots"])
        if sec.get("failed"):
            _para(doc, failed)
        elif not sec.get("computed"):
            _para(doc, _("Hotspots have not been computed yet."))
        elif sec["items"]:
            _para(
                doc,
                _("%(n)d clusters of similar cases from %(a)s to %(b)s; the %(shown)d hottest:")
                % {"n": sec["total"], "a": sec["from"], "b": sec["to"], "shown": len(sec["items"])},
            )
            _table(
                doc,
                [
                    pgettext("insights", "Representative title"),
                    pgettext("insights", "Place"),
                    pgettext("insights", "Cases"),
                    pgettext("insights", "Previous period"),
                    pgettext("insights", "Growth"),
                ],
                [
                    [h["title"], h["place"] or "—", h["size"], h["previous"], f"+{h['growth']}%" if h["growth"] is not None else _("new")]
                    for h in sec["items"]
                ],
            )
        else:
            _para(doc, _("No cluster of similar cases from %(a)s to %(b)s.") % {"a": sec["from"], "b": sec["to"]})
    if "suggestions" in d:
        sec = d["suggestions"]
        _heading(doc, titles["suggestions"])
        if sec.get("failed"):
            _para(doc, failed)
        else:
            _table(
                doc,
                [
                    pgettext("insights", "Period"),
                    pgettext("insights", "Accepted"),
                    pgettext("insights", "Overridden"),
                    pgettext("insights", "No suggestion"),
                    pgettext("insights", "Acceptance rate"),
                ],
                [
                    [label, r["accepted"], r["overridden"], r["without"], _pct(r["rate"])]
                    for label, r in ((_("Since the last brief"), sec["since"]), (_("Last 30 days"), sec["month"]))
                ],
            )
            _para(doc, sec.get("formula", ""), 10.5)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_name(brief: DailyBrief) -> str:
    return f"每日研判-{brief.day.isoformat()}-{brief.pk}.docx"


def store_docx(brief: DailyBrief, *, actor: User | None) -> Any:
    """Render the Word document and keep it with the files (outside the web root)."""
    from files.services import file_store

    data = render_docx(brief)
    return file_store(actor=actor, upload=io.BytesIO(data), name=docx_name(brief), allowed_kinds={"office"})
