"""Drive cases through the real case services at fixed times (time-machine), for the
figures' tests. Every helper reloads the case so versions are right."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from accounts.models import Unit, User
from accounts.testing import District
from cases import services
from cases.models import Case, CaseType, ContactChannel, Outcome

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


class Flow:
    """``Flow(district)`` then ``f.register(at(...))``, ``f.accept(case, at(...))`` and so on."""

    def __init__(self, d: District) -> None:
        self.d = d

    def officer_of(self, unit: Unit) -> User:
        return {self.d.town_a.pk: self.d.officer, self.d.town_b.pk: self.d.officer2, self.d.housing.pk: self.d.dept_officer}[unit.pk]

    def head_of(self, unit: Unit) -> User:
        return {self.d.town_a.pk: self.d.head, self.d.town_b.pk: self.d.head_b}[unit.pk]

    def register(
        self,
        when: dt.datetime,
        *,
        type: str = CaseType.SUGGESTION,  # noqa: A002
        category: str = "noise-business",
        town: Unit | None = None,
        anonymous: bool = False,
        accused: Unit | None = None,
        title: str = "楼下商铺夜间噪音扰民",
    ) -> Case:
        with time_machine.travel(when, tick=False):
            return services.case_register(
                actor=self.d.intake,
                channel="visit",
                type=type,
                title=title,
                content="每天晚上十一点以后音响声很大，影响休息。",
                category=category,
                town=town or self.d.town_a,
                complainants=[] if anonymous else [{"name": "张三", "phone": "13800000000"}],
                anonymous=anonymous,
                accused_unit=accused,
                received_at=when,
            )

    def accept(self, case: Case, when: dt.datetime) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_accept(actor=self.d.intake, case=c, expected_version=c.version)

    def not_accept(self, case: Case, when: dt.datetime) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_not_accept(actor=self.d.intake, case=c, expected_version=c.version, reason="不属于受理范围")

    def assign(self, case: Case, when: dt.datetime, *units: Unit) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_assign(actor=self.d.intake, case=c, expected_version=c.version, units=list(units), lead=units[0])

    def receive(self, case: Case, when: dt.datetime, unit: Unit) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_receive(actor=self.officer_of(unit), case=c, expected_version=c.version, unit=unit)

    def object(self, case: Case, when: dt.datetime, unit: Unit) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_object(
                actor=self.officer_of(unit), case=c, expected_version=c.version, reason="不属于本单位职责", unit=unit
            )

    def contact(self, case: Case, when: dt.datetime) -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_add_note(
                actor=self.officer_of(c.current_unit), case=c, expected_version=c.version, text="已电话联系信访人", contact=True
            )

    def meet(self, case: Case, when: dt.datetime) -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_record_meeting(
                actor=self.officer_of(c.current_unit),
                case=c,
                expected_version=c.version,
                held_at=when,
                place="街道办",
                participants="承办人、信访人",
            )

    def extend(self, case: Case, when: dt.datetime, days: int) -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_request_extension(
                actor=self.officer_of(c.current_unit), case=c, expected_version=c.version, days=days, reason="需要进一步调查"
            )
            c = fresh(case)
            services.case_decide_extension(actor=self.head_of(c.current_unit), case=c, expected_version=c.version, approve=True)

    def draft(self, case: Case, when: dt.datetime, outcome: str = Outcome.SUPPORT) -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_draft_reply(
                actor=self.officer_of(c.current_unit),
                case=c,
                expected_version=c.version,
                outcome=outcome,
                text="经调查，情况属实，已责令整改。",
            )

    def approve(self, case: Case, when: dt.datetime) -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_approve_reply(actor=self.head_of(c.current_unit), case=c, expected_version=c.version)

    def return_reply(self, case: Case, when: dt.datetime) -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_return_reply(actor=self.head_of(c.current_unit), case=c, expected_version=c.version, reason="请补充调查情况")

    def issue(self, case: Case, when: dt.datetime) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_notify_complainant(
                actor=self.officer_of(c.current_unit), case=c, expected_version=c.version, via=ContactChannel.PHONE
            )

    def reply(self, case: Case, when: dt.datetime, outcome: str = Outcome.SUPPORT) -> Case:
        """Draft, approve and issue the reply at the same moment."""
        self.draft(case, when, outcome)
        self.approve(case, when)
        return self.issue(case, when)

    def followup(self, case: Case, when: dt.datetime, *, resolved: bool = True, satisfaction: str = "satisfied") -> None:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            services.case_record_followup(
                actor=self.d.followup, case=c, expected_version=c.version, resolved=resolved, satisfaction=satisfaction
            )

    def close(self, case: Case, when: dt.datetime) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_close(actor=self.d.followup, case=c, expected_version=c.version)

    def withdraw(self, case: Case, when: dt.datetime) -> Case:
        with time_machine.travel(when, tick=False):
            c = fresh(case)
            return services.case_withdraw(actor=self.d.intake, case=c, expected_version=c.version, reason="信访人撤回")

    def handled(self, case: Case, when: dt.datetime, unit: Unit) -> Case:
        """Accept, assign to ``unit`` and receive, all at ``when``."""
        self.accept(case, when)
        self.assign(case, when, unit)
        return self.receive(case, when, unit)
