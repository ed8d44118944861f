"""Demo data of the citizens' side: query codes for the demo's web-portal cases (so that a
visitor can follow one), contacts for their messages, and an Open311 client. Codes and
numbers are printed once; everything is reproducible from the seed."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from cases.models import Case, Channel
from open311.models import Open311Client, Open311Submission
from outbox.models import CaseContact
from portal.models import QueryCode
from portal.services import ALPHABET, CODE_LENGTH, format_code, query_code_issue


@transaction.atomic
def load_demo(*, stdout: Any, cases: int, seed: int) -> None:
    r = random.Random(seed + 311)
    web = list(Case.objects.filter(channel=Channel.WEB).exclude(pk__in=QueryCode.objects.values("case_id")).order_by("id"))
    shown: list[tuple[str, str, str]] = []
    contacts = []
    for case in web:
        code = "".join(r.choice(ALPHABET) for _i in range(CODE_LENGTH))
        query_code_issue(case=case, code=code)
        person = case.complainants.first()
        if person is not None and person.phone.startswith("1") and len(person.phone) == 11:
            contacts.append(CaseContact(case=case, phone=person.phone, language="zh-hans"))
        if len(shown) < 5 and case.state in ("handling", "replied", "closed", "registered"):
            shown.append((case.number, format_code(code), case.get_state_display()))
    CaseContact.objects.bulk_create(contacts, ignore_conflicts=True)

    client = Open311Client.objects.filter(name="演示：12345 热线平台").first()
    if client is None:
        from open311.services import open311_key_issue

        client, secret = open311_key_issue(actor=None, name="演示：12345 热线平台", contact="区政务服务中心")
        stdout.write(f"Open311: demo client key (shown once): {secret}\n")
    o311 = Case.objects.filter(channel=Channel.OPEN311).exclude(pk__in=Open311Submission.objects.values("case_id"))
    Open311Submission.objects.bulk_create([Open311Submission(case=c, client=client) for c in o311], ignore_conflicts=True)
    stdout.write(f"Portal: {len(web)} web cases have query codes; try /portal/track/ with:\n")
    for number, code, state in shown:
        stdout.write(f"  {number}  {code}  ({state})\n")
