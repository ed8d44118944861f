"""Who may call which URL: the declaration the permission matrix test checks.

Every named URL pattern of the project (pages, the REST API, Open311, the portal) has
one rule here; a URL without a rule fails ``core/tests/test_permission_matrix.py``.
The Django admin is declared as one block (its own permission system, staff users only).

Personas: ``anonymous``; ``public`` (a citizen signed in to the portal with a case number
and query code); the staff personas of ``accounts.testing`` — ``admin``, ``intake``,
``officer`` and ``head`` (town A, 青山街道), ``officer2`` (town B: staff of another unit),
``leader``, ``supervisor``, ``followup``, ``duty``, ``dept_officer`` (the housing bureau) —
and ``accused`` (an officer of the unit an accusation names).

The objects the URLs point at (a case, a hazard, an instruction, a notice, an urgent
report, an attachment, a photo) all belong to town A. ``GET`` rules are called as every
persona: a persona in ``allow`` must get an answer (2xx/3xx, not the sign-in page), every
other persona must be refused (anonymous: a redirect to sign-in on pages, 401 on the
API; staff: 403, or 404 for objects outside their scope). ``POST``/``PUT`` rules are write-only
endpoints: they are called with that method as each persona in ``refuse`` and must be refused
with nothing written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

STAFF = frozenset({"admin", "intake", "officer", "officer2", "head", "leader", "supervisor", "followup", "duty", "dept_officer", "accused"})
EVERYONE = STAFF | {"anonymous", "public"}
NOBODY: frozenset[str] = frozenset()
# Staff who see town A's matters: town A itself and the district-wide roles/units.
SEES_A = frozenset({"admin", "intake", "officer", "head", "leader", "supervisor", "followup", "duty"})
OUTSIDERS = frozenset({"anonymous", "public", "officer2", "dept_officer", "accused"})
NOT_STAFF = frozenset({"anonymous", "public"})
# Who may change a hazard of town A (the unit itself, and oversight roles).
HAZARD_WRITERS = frozenset({"admin", "officer", "head", "leader", "supervisor"})


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str] = NOBODY
    method: str = "GET"
    refuse: frozenset[str] = NOT_STAFF
    note: str = ""
    query: str = ""


def get(*personas: str | frozenset[str], note: str = "") -> Rule:
    allowed: set[str] = set()
    for p in personas:
        allowed |= {p} if isinstance(p, str) else set(p)
    return Rule(allow=frozenset(allowed), note=note)


def post(refuse: frozenset[str] = NOT_STAFF, note: str = "", method: str = "POST") -> Rule:
    return Rule(method=method, refuse=refuse, note=note)


def staff_but(*personas: str) -> frozenset[str]:
    return STAFF - set(personas)


ADMIN_BLOCK = "admin"  # every URL under /admin/: Django's own admin, is_staff users only

RULES: dict[str, Rule] = {
    # core, accounts, audit, calendar, notifications
    "core:home": get(STAFF),
    "core:healthz": get(EVERYONE),
    "accounts:login": get(EVERYONE),
    "accounts:logout": post(refuse=NOBODY, note="POST only; signing out is allowed to anyone"),
    "accounts:profile": get(STAFF),
    "accounts:password_change": get(STAFF),
    "accounts:totp_setup": get(STAFF),
    "accounts:token_issue": post(),
    "accounts:token_revoke": post(refuse=OUTSIDERS | {"intake", "head"}, note="only the token's owner (officer) or an administrator"),
    "audit:list": get("admin", "supervisor"),
    "workcal:calendar": get(STAFF),
    "workcal:day_toggle": post(refuse=staff_but("admin") | NOT_STAFF),
    "notifications:inbox": get(STAFF),
    "notifications:mark_read": post(),
    # cases (pages)
    "cases:inbox": get(STAFF),
    "cases:export": get(STAFF, note="scoped export: each user gets only the cases they may see"),
    "cases:register": get("intake"),
    "cases:suggest": get("intake"),
    "cases:detail": get(SEES_A),
    "cases:act": post(refuse=OUTSIDERS),
    "cases:reveal": post(refuse=OUTSIDERS),
    "cases:attachment": get(SEES_A),
    "cases:sheet": get(SEES_A),
    "cases:sheet_docx": get(SEES_A),
    # hazards
    "hazards:list": get(STAFF),
    "hazards:export": get(STAFF),
    "hazards:register": get(staff_but("intake", "followup", "duty")),
    "hazards:map": get(STAFF),
    "hazards:dashboard": get(STAFF),
    "hazards:import": get(staff_but("intake", "followup", "duty")),
    "hazards:import_template": get(staff_but("intake", "followup", "duty")),
    "hazards:import_status": get(note="no import job built: 404 for everyone, sign-in first"),
    "hazards:photo": get(SEES_A),
    "hazards:from_case": get(HAZARD_WRITERS),
    "hazards:campaigns": get(STAFF),
    "hazards:campaign_create": get("admin", "leader", "supervisor"),
    "hazards:campaign": get(note="no campaign built: 404 for everyone, sign-in first"),
    "hazards:campaign_targets": get(note="no campaign built"),
    "hazards:target_add": get(note="no campaign built"),
    "hazards:targets_import": get(note="no campaign built"),
    "hazards:target_template": get(note="no campaign built"),
    "hazards:inspect": get(note="no campaign built"),
    "hazards:inspection": get(note="no campaign built"),
    "hazards:checklist": get(note="no campaign built"),
    "hazards:checklist_remove": post(),
    "hazards:campaign_report": get(note="no campaign built"),
    "hazards:campaign_report_docx": get(note="no campaign built"),
    "hazards:campaign_close": post(),
    "hazards:detail": get(SEES_A),
    "hazards:edit": get(HAZARD_WRITERS),
    "hazards:plan": get(HAZARD_WRITERS),
    "hazards:start": post(refuse=OUTSIDERS),
    "hazards:rectified": get(HAZARD_WRITERS),
    "hazards:verify": get("admin", "head", "leader", "supervisor"),
    "hazards:close": post(refuse=OUTSIDERS),
    "hazards:listing": get("admin", "leader", "supervisor"),
    "hazards:extension": get(HAZARD_WRITERS),
    "hazards:extension_decide": post(refuse=OUTSIDERS),
    "hazards:photo_add": get(HAZARD_WRITERS),
    # duty
    "duty:home": get(STAFF),
    "duty:instruction_list": get(STAFF),
    "duty:instruction_new": get("leader", "supervisor", "duty"),
    "duty:instruction_detail": get(SEES_A),
    "duty:instruction_board": get("admin", "leader", "supervisor", "duty"),
    "duty:instruction_acknowledge": post(refuse=OUTSIDERS),
    "duty:instruction_report": post(refuse=OUTSIDERS),
    "duty:instruction_close": post(refuse=OUTSIDERS),
    "duty:notice_list": get(STAFF),
    "duty:notice_new": get("leader", "supervisor"),
    "duty:notice_detail": get(SEES_A),
    "duty:notice_answer": post(refuse=OUTSIDERS),
    "duty:notice_review": post(refuse=OUTSIDERS),
    "duty:accountability_list": get(STAFF),
    "duty:accountability_new": get("leader", "supervisor"),
    "duty:unit_page": get(SEES_A),
    "duty:roster_board": get(STAFF),
    "duty:roster_month": get(SEES_A),
    "duty:roster_export": get(SEES_A),
    "duty:roster_import": post(refuse=OUTSIDERS),
    "duty:daily_today": get("officer", "officer2", "head", "dept_officer", "accused"),
    "duty:daily_summary": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "duty:daily_summary_export": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "duty:urgent_list": get(STAFF),
    "duty:urgent_new": get("officer", "officer2", "head", "duty", "dept_officer", "accused"),
    "duty:urgent_detail": get(SEES_A),
    "duty:urgent_follow_up": post(refuse=OUTSIDERS),
    "duty:urgent_close": post(refuse=OUTSIDERS),
    "duty:period_list": get(STAFF),
    "duty:period_new": get("admin", "leader", "duty"),
    "duty:period_cancel": post(refuse=OUTSIDERS),
    "duty:leader_cases": get(STAFF),
    "duty:ownership_new": get("intake", "leader", "supervisor", "duty"),
    "duty:ownership_detail": get(note="no ownership built"),
    "duty:ownership_progress": post(),
    "duty:ownership_end": post(),
    "duty:batch_list": get(STAFF),
    "duty:batch_new": get("intake", "leader", "supervisor", "duty"),
    "duty:batch_detail": get(note="no batch built"),
    "duty:batch_progress": post(),
    "duty:batch_close": post(),
    "duty:batch_export": get(note="no batch built"),
    "duty:settings": get("admin", "duty"),
    "duty:attachment": get(note="a file id no duty record uses"),
    # triage
    "triage:suggest": get("admin", "intake"),
    "triage:case_suggestion": get(SEES_A),
    "triage:case_suggestion_apply": post(refuse=OUTSIDERS),
    "triage:case_duplicates": get(SEES_A),
    "triage:duplicate_decide": post(refuse=OUTSIDERS),
    "triage:case_similar_replies": get(SEES_A),
    "triage:duplicates": get(SEES_A),
    "triage:similar_replies": get(SEES_A),
    "triage:hotspots": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "triage:hotspot": get(note="no hotspot built"),
    "triage:acceptance": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "triage:models": get("admin"),
    "triage:model_action": post(refuse=staff_but("admin") | NOT_STAFF),
    # portal (the public side; the status page needs the number + query code)
    "portal:home": get(EVERYONE),
    "portal:submit": get(EVERYONE),
    "portal:receipt": get(EVERYONE, note="redirects to the portal home without a fresh receipt"),
    "portal:track": get(EVERYONE),
    "portal:status": get("public", note="only the citizen who gave this case's query code"),
    "portal:rate": post(refuse=staff_but() | {"anonymous"}),
    "portal:review": post(refuse=staff_but() | {"anonymous"}),
    "portal:withdraw": post(refuse=staff_but() | {"anonymous"}),
    "portal:leave": post(refuse=NOBODY),
    # Open311 (public read; writes need an API key)
    "open311:root": get(EVERYONE),
    "open311:discovery": get(EVERYONE),
    "open311:services": get(EVERYONE),
    "open311:service": get(EVERYONE),
    "open311:requests": get(EVERYONE),
    "open311:request": get(
        note="a portal case is not an Open311 request: 404 for everyone (Open311 requests are covered in open311/tests)"
    ),
    "open311:updates": get(note="service request updates are not offered: 403 for everyone"),
    "open311:token": get(note="tokens are not used: 404"),
    "open311:not_found": get(note="any other path: 404 in the GeoReport error shape"),
    # insights
    "insights:overview": get(STAFF),
    "insights:unit": get(SEES_A),
    "insights:ranking": get(STAFF),
    "insights:export": get(STAFF),
    "insights:drill": get(STAFF),
    "insights:overdue": get(STAFF),
    "insights:ledger": get(STAFF),
    "insights:ledger_export": post(),
    "insights:ledger_job": get(note="no export job built"),
    "insights:ledger_download": get(note="no export job built"),
    "insights:briefs": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "insights:brief_generate": post(refuse=OUTSIDERS | {"officer", "head"}),
    "insights:brief": get(note="no brief built"),
    "insights:brief_docx": get(note="no brief built"),
    "insights:settings": get("admin"),
    "set_language": get(EVERYONE),
    # REST API /api/v1/ (session or bearer token; 401 without)
    "api:openapi-json": get(EVERYONE),
    "api:openapi-view": get(EVERYONE),
    "api:api-root": get(note="no operation at the bare prefix"),
    "api:me": get(STAFF),
    "api:case_create": post(),
    "api:case_list": get(STAFF, note="scoped list"),
    "api:case_read": get(SEES_A),
    "api:case_attachment_download": get(SEES_A),
    **{
        f"api:{op}": post(refuse=OUTSIDERS)
        for op in [
            "case_accept",
            "case_not_accept",
            "case_redirect",
            "case_assign",
            "case_receive",
            "case_object",
            "case_notes",
            "case_meetings",
            "case_extension_request",
            "case_extension_decision",
            "case_reply_draft",
            "case_reply_approve",
            "case_reply_return",
            "case_reply_issue",
            "case_followup",
            "case_close",
            "case_review_request",
            "case_rereview_request",
            "case_withdraw",
            "case_links",
            "case_attachments",
            "case_reveal_identity",
        ]
    },
    "api:category_list": get(STAFF),
    "api:unit_list": get(STAFF),
    "api:list_hazards": get(STAFF),
    "api:register_hazard": post(),
    "api:read_hazard": get(SEES_A),
    **{
        f"api:{op}": post(refuse=OUTSIDERS)
        for op in ["start_rectification", "add_photo", "report_rectified", "verify_hazard", "close_hazard"]
    },
    "api:save_plan": post(refuse=OUTSIDERS, method="PUT"),
    "api:instruction_list": get(STAFF),
    "api:instruction_send": post(refuse=OUTSIDERS | {"officer", "head"}),
    "api:instruction_get": get(SEES_A),
    "api:instruction_acknowledge": post(refuse=OUTSIDERS),
    "api:instruction_report": post(refuse=OUTSIDERS),
    "api:instruction_close": post(refuse=OUTSIDERS),
    "api:notice_list": get(STAFF),
    "api:notice_issue": post(refuse=OUTSIDERS | {"officer", "head"}),
    "api:notice_get": get(SEES_A),
    "api:notice_answer": post(refuse=OUTSIDERS),
    "api:notice_review": post(refuse=OUTSIDERS),
    "api:accountability_list": get(STAFF),
    "api:accountability_create": post(refuse=OUTSIDERS | {"officer", "head"}),
    "api:roster_now": get(STAFF),
    "api:roster_get": Rule(allow=SEES_A, query="start=2026-12-01&end=2026-12-31"),
    "api:roster_set_day": post(refuse=OUTSIDERS, method="PUT"),
    "api:daily_report_submit": post(),
    "api:daily_summary": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "api:urgent_list": get(STAFF),
    "api:urgent_file": post(),
    "api:urgent_get": get(SEES_A),
    "api:period_list": get(STAFF),
    "api:period_create": post(refuse=OUTSIDERS | {"officer", "head"}),
    "api:suggest": post(),
    "api:case_suggestion": get(SEES_A),
    "api:case_suggestion_apply": post(refuse=OUTSIDERS),
    "api:duplicates": get(SEES_A),
    "api:merge": post(refuse=OUTSIDERS),
    "api:dismiss": post(refuse=OUTSIDERS),
    "api:similar_replies": get(SEES_A),
    "api:hotspots": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "api:acceptance": get("admin", "intake", "leader", "supervisor", "followup", "duty"),
    "api:models": get("admin"),
    "api:train": post(refuse=staff_but("admin") | NOT_STAFF),
    "api:activate": post(refuse=staff_but("admin") | NOT_STAFF),
    "api:rollback": post(refuse=staff_but("admin") | NOT_STAFF),
    "api:figures": get(STAFF),
    "api:ranking": get(STAFF),
}
