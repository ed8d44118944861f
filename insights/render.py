"""HTML of the ranking table's body, built in Python: a district has dozens of units times
eleven rates, and the template engine spends most of a page's time on such a grid."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insights.selectors import RankRow


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def ranking_body(rows: list[RankRow], *, drill_prefix: str, overview_url: str, empty_text: str) -> SafeString:
    """The ``<tr>`` rows of the ranking (same markup as a template would write)."""
    if not rows:
        return mark_safe(f'<tr><td colspan="20" class="text-muted">{escape(empty_text)}</td></tr>')  # noqa: S308 - escaped above
    out: list[str] = []
    for r in rows:
        query = escape(r.query)
        label = escape(r.label)
        unit = r.unit.pk if r.unit is not None else ""
        cls = ' class="table-light"' if r.is_self else ""
        name = f'<a href="{escape(overview_url)}?{query}">{label}</a>' if r.query else f"<em>{label}</em>"
        late = " text-danger fw-semibold" if r.overdue else ""
        cells = [
            f'<tr data-unit="{unit}"{cls}><td>{name}</td><td class="text-end">{r.received}</td><td class="text-end">{r.open}</td>',
            f'<td class="text-end{late}">{r.overdue}</td>',
        ]
        for f in r.figures:
            value = _pct(f.value)
            if f.denominator and r.query:
                value = f'<a class="text-reset" href="{escape(drill_prefix)}{f.code}/den/?{query}">{value}</a>'
            cells.append(
                f'<td class="text-end ins-cell-{f.status}" data-rate="{f.code}" title="{f.numerator} / {f.denominator}">{value}</td>'
            )
        badge = (
            f'<span class="badge text-bg-danger">{r.behind}</span>'
            if r.behind
            else '<span class="text-success"><i class="bi bi-check-lg"></i></span>'
        )
        cells.append(f'<td class="text-end">{badge}</td></tr>')
        out.append("".join(cells))
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped or a number
