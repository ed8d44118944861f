"""Every rate of DOMAIN.md §2 on a hand-built set of cases, with the answers worked out by
hand (see the comments), and every drill-down list the same size as its figure.

The eleven cases, all in 2026 (times 10:00 Shanghai unless said otherwise):

  A suggestion, named, 青山: reg 03-02, accepted 03-03, assigned/received 青山 03-03, met 03-10,
    reply issued 03-20, follow-up 03-21 satisfied+resolved, closed 03-22
  B suggestion, named, 青山: reg 03-02, accepted late 03-20 (due 03-17), assigned/received 青山,
    reply issued 06-30 (handling due 05-19: late), follow-up 07-01 basically satisfied, unresolved
  C complaint (hotline), named, 河西: reg/accepted/assigned/received 03-05, contacted 15:00 the
    same day (limit 24 h), reply issued 03-18 (due 03-20), follow-up 03-19 dissatisfied, unresolved
  D complaint (hotline), anonymous, 河西: reg/accepted/assigned/received 03-06, never contacted before
    its reply on 03-30 (handling due 03-21, a Saturday, so 03-23: late)
  E accusation, named, 河西 handles: reg/accepted/assigned/received 03-09, reply "supported"
    drafted 03-20 and approved 03-21, not issued
  F accusation, named, 河西 handles: like E, approved 03-22 and issued 03-23
  G suggestion: reg 03-10, not accepted 03-12
  H suggestion: reg 03-10, never decided
  I suggestion: reg 03-11, withdrawn 03-12 before a decision
  J suggestion: reg 03-11, accepted 03-12, assigned 青山 03-12, 青山 objects 03-13, reassigned to
    河西 03-14 and received; still being handled
  K consultation (hotline), named: reg/accepted 03-16, assigned to 青山 (lead) and 河西, both
    receive, reply submitted 03-18 (awaiting approval); never contacted
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.testing import District
from cases.models import CaseType, Outcome
from insights import selectors, services
from insights.periods import Period, parse_period
from insights.tests.flow import Flow, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(district: District) -> dict[str, Any]:
    d = district
    f = Flow(d)
    qs, hx = d.town_a, d.town_b
    c: dict[str, Any] = {}

    c["A"] = f.register(at(2026, 3, 2), type=CaseType.SUGGESTION, town=qs)
    f.accept(c["A"], at(2026, 3, 3))
    f.assign(c["A"], at(2026, 3, 3), qs)
    f.receive(c["A"], at(2026, 3, 3), qs)
    f.meet(c["A"], at(2026, 3, 10))
    f.reply(c["A"], at(2026, 3, 20))
    f.followup(c["A"], at(2026, 3, 21), resolved=True, satisfaction="satisfied")
    f.close(c["A"], at(2026, 3, 22))

    c["B"] = f.register(at(2026, 3, 2), type=CaseType.SUGGESTION, town=qs)
    f.handled(c["B"], at(2026, 3, 20), qs)
    f.reply(c["B"], at(2026, 6, 30))
    f.followup(c["B"], at(2026, 7, 1), resolved=False, satisfaction="basically")

    c["C"] = f.register(at(2026, 3, 5), type=CaseType.COMPLAINT, town=hx)
    f.handled(c["C"], at(2026, 3, 5), hx)
    f.contact(c["C"], at(2026, 3, 5, 15))
    f.reply(c["C"], at(2026, 3, 18))
    f.followup(c["C"], at(2026, 3, 19), resolved=False, satisfaction="dissatisfied")

    c["D"] = f.register(at(2026, 3, 6), type=CaseType.COMPLAINT, town=hx, anonymous=True)
    f.handled(c["D"], at(2026, 3, 6), hx)
    f.reply(c["D"], at(2026, 3, 30))

    for key, approved, issued in (("E", at(2026, 3, 21), None), ("F", at(2026, 3, 22), at(2026, 3, 23))):
        c[key] = f.register(at(2026, 3, 9), type=CaseType.ACCUSATION, town=qs, accused=d.housing, title="反映某局工作人员推诿")
        f.handled(c[key], at(2026, 3, 9), hx)
        f.draft(c[key], at(2026, 3, 20), Outcome.SUPPORT)
        f.approve(c[key], approved)
        if issued:
            f.issue(c[key], issued)

    c["G"] = f.register(at(2026, 3, 10))
    f.not_accept(c["G"], at(2026, 3, 12))
    c["H"] = f.register(at(2026, 3, 10))
    c["I"] = f.register(at(2026, 3, 11))
    f.withdraw(c["I"], at(2026, 3, 12))

    c["J"] = f.register(at(2026, 3, 11))
    f.accept(c["J"], at(2026, 3, 12))
    f.assign(c["J"], at(2026, 3, 12), qs)
    f.object(c["J"], at(2026, 3, 13), qs)
    f.assign(c["J"], at(2026, 3, 14), hx)
    f.receive(c["J"], at(2026, 3, 14), hx)

    c["K"] = f.register(at(2026, 3, 16), type=CaseType.CONSULTATION, town=qs)
    f.accept(c["K"], at(2026, 3, 16))
    f.assign(c["K"], at(2026, 3, 16), qs, hx)
    f.receive(c["K"], at(2026, 3, 16), qs)
    f.receive(c["K"], at(2026, 3, 16), hx)
    f.draft(c["K"], at(2026, 3, 18))
    return c


def figures_of(user: Any, period: Period, unit: Any = None) -> tuple[dict[str, selectors.Figure], dict[str, int]]:
    scope = selectors.get_scope(user, unit.pk if unit is not None else None)
    sums = selectors.totals(scope, period)
    figs = selectors.figures(sums, selectors.load_config())
    return {f.code: f for f in figs}, sums


YEAR = Period("year", __import__("datetime").date(2026, 1, 1), __import__("datetime").date(2026, 12, 31))

# (numerator, denominator) for the whole district over 2026, worked out by hand:
EXPECTED_YEAR = {
    # decision deadlines of A..K except I (withdrawn undecided): 10; late: B (03-20 > 03-17), H (undecided)
    "timely_accept": (8, 10),
    # accepted A,B,C,D,E,F,J,K: 8; replied by the handling deadline: A, C, F
    "ontime_close": (3, 8),
    # the same 8 accepted; replied: A,B,C,D,F
    "closure": (5, 8),
    # assignments not objected or superseded: A,B (青山) C,D,E,F,J (河西) K (青山 and 河西) = 9;
    # reply reported (submitted/approved/issued): all but J
    "reply": (8, 9),
    # named cases replied: A,B,C,F; met: A
    "meeting": (1, 4),
    # followed up: A,B,C
    "followup": (3, 4),
    # rated: A,B,C
    "participation": (3, 4),
    # rated A satisfied, B basically (counted by default), C dissatisfied
    "satisfaction": (2, 3),
    # hotline cases replied with a follow-up: C (unresolved)
    "resolution": (0, 1),
    # substantiated accusations: E (approved), F (issued)
    "investigation": (1, 2),
    # hotline cases with a response limit: C (contacted in 5 h), D (first contact is the reply), K (none)
    "response": (1, 3),
}


def test_it_computes_every_rate_by_hand(scenario: dict[str, Any], district: District) -> None:
    figs, sums = figures_of(district.leader, YEAR)
    got = {code: (f.numerator, f.denominator) for code, f in figs.items()}
    assert got == EXPECTED_YEAR
    assert sums["received"] == 11
    assert sums["replied"] == 5  # A, B, C, D, F
    assert figs["timely_accept"].value == 80.0
    assert figs["ontime_close"].value == 37.5
    assert figs["satisfaction"].value == 66.7
    assert figs["response"].value == 33.3


def test_it_counts_basically_satisfied_only_when_the_district_says_so(scenario: dict[str, Any], district: District) -> None:
    services.insights_settings_update(actor=district.admin, count_basically_satisfied=False)
    figs, _sums = figures_of(district.leader, YEAR)
    assert (figs["satisfaction"].numerator, figs["satisfaction"].denominator) == (1, 3)
    scope = selectors.get_scope(district.leader)
    assert selectors.drill_rows(scope, YEAR, "satisfaction", "num").count() == 1


def test_it_puts_each_case_in_the_period_of_its_day_basis(scenario: dict[str, Any], district: District) -> None:
    march = parse_period({"period": "month", "date": "2026-03-01"})
    figs, sums = figures_of(district.leader, march)
    # Handling deadlines in March: C (03-20, met), D (03-23, late), K (consultation: 15 days, 03-31, open).
    assert (figs["ontime_close"].numerator, figs["ontime_close"].denominator) == (1, 3)
    # Accepted in March: all 8 (B on 03-20); replied so far: A, B, C, D, F.
    assert (figs["closure"].numerator, figs["closure"].denominator) == (5, 8)
    # Replied in March: A, C, D, F; named: A, C, F; met: A.
    assert (figs["meeting"].numerator, figs["meeting"].denominator) == (1, 3)
    assert sums["replied"] == 4
    q2 = parse_period({"period": "quarter", "date": "2026-05-01"})
    figs2, sums2 = figures_of(district.leader, q2)
    # Handling deadlines in Q2: A (May, met), B (05-19, replied 06-30), E (open), F (met), J (open).
    assert (figs2["ontime_close"].numerator, figs2["ontime_close"].denominator) == (2, 5)
    assert sums2["received"] == 0 and sums2["replied"] == 1  # B's reply on 06-30


def test_it_splits_the_figures_by_unit(scenario: dict[str, Any], district: District) -> None:
    a, _ = figures_of(district.leader, YEAR, district.town_a)
    b, sums_b = figures_of(district.leader, YEAR, district.town_b)
    # 青山 handles A, B and K (lead); 河西 handles C, D, E, F, J and shares K.
    assert (a["timely_accept"].numerator, a["timely_accept"].denominator) == (2, 3)  # B late
    assert (a["reply"].numerator, a["reply"].denominator) == (3, 3)
    assert (b["reply"].numerator, b["reply"].denominator) == (5, 6)  # J not replied
    assert (b["closure"].numerator, b["closure"].denominator) == (3, 5)
    assert sums_b["received"] == 5
    rows = {r.unit.pk: r for r in selectors.ranking(selectors.get_scope(district.leader), YEAR) if not r.is_self}
    assert rows[district.town_a.pk].received == 3
    assert rows[district.town_b.pk].received == 5
    own = next(r for r in selectors.ranking(selectors.get_scope(district.leader), YEAR) if r.is_self)
    assert own.received == 3  # G, H and I never reached a unit


PERIODS = [
    {"period": "year", "date": "2026-01-01"},
    {"period": "month", "date": "2026-03-01"},
    {"period": "custom", "from": "2026-03-10", "to": "2026-05-10"},
]


def test_it_drills_down_to_lists_as_long_as_the_figures(scenario: dict[str, Any], district: District) -> None:
    checks = [
        (parse_period(p), user, unit)
        for p in PERIODS
        for user, unit in ((district.leader, None), (district.leader, district.town_b), (district.officer, None))
    ]
    for period, user, unit in checks:
        scope = selectors.get_scope(user, unit.pk if unit else None)
        sums = selectors.totals(scope, period)
        for f in selectors.figures(sums, selectors.load_config()):
            assert selectors.drill_rows(scope, period, f.code, "num").count() == f.numerator, f.code
            assert selectors.drill_rows(scope, period, f.code, "den").count() == f.denominator, f.code
        assert selectors.drill_rows(scope, period, "received", "all").count() == sums["received"]
        assert selectors.drill_rows(scope, period, "replied", "all").count() == sums["replied"]


def test_it_shows_the_drill_down_count_on_the_page(scenario: dict[str, Any], client_for: Any) -> None:
    client = client_for("leader")
    response = client.get("/insights/drill/closure/den/", {"period": "year", "date": "2026-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="drill-count">8<' in html
    for key in "ABCDEFJK":
        assert scenario[key].number in html
    for key in "GHI":
        assert scenario[key].number not in html
    response = client.get("/insights/drill/closure/num/", {"period": "year", "date": "2026-01-01"})
    assert 'data-testid="drill-count">5<' in response.content.decode()


def test_it_counts_states_and_overdue_now(scenario: dict[str, Any], district: District) -> None:
    scope = selectors.get_scope(district.leader)
    states = selectors.state_counts(scope)
    assert states == {
        "closed": 1,
        "replied": 4,
        "reply_approved": 1,
        "not_accepted": 1,
        "registered": 1,
        "withdrawn": 1,
        "handling": 1,
        "reply_pending": 1,
    }
    from cases.sweep import sweep

    sweep(now=at(2026, 4, 1, 9))
    # Overdue on 04-01: H (decision due 03-25) and K (contact due 03-17, handling due 03-31).
    assert selectors.overdue_count(scope) == 2
    assert selectors.overdue_by_unit(scope) == {district.root.pk: 1, district.town_a.pk: 1}
    officer_scope = selectors.get_scope(district.officer)
    assert selectors.overdue_count(officer_scope) == 1
