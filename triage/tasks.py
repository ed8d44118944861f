"""Periodic jobs of smart triage. Each calls a service and is idempotent: retraining makes a
new version only when decided cases changed since the last one; the hotspot job replaces
its period's rows; the index backfill only indexes cases without an entry; the reply
sweep only issues a main case's reply on a merged duplicate once."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from cases.models import Case, CaseReply, State
from lib.triage.model import MODEL_KIND
from triage import services
from triage.models import ClassifierVersion, DuplicateDecision

log = logging.getLogger(__name__)


def retrain_if_changed() -> int | None:
    """Train a new version when the number of decided cases differs from the active
    version's training set, or that version is of another kind of model (written by an
    older release, which this code refuses to load), or there is none. Returns the new
    version number."""
    data_size = len(services.training_set().labels)
    latest = ClassifierVersion.objects.filter(status=ClassifierVersion.Status.READY).order_by("-number").first()
    if latest is not None and latest.trained_cases == data_size and latest.kind == MODEL_KIND:
        return None
    try:
        version = services.classifier_train(actor=None, seed=0, activate=None, note="periodic retraining")
    except ValidationError as exc:
        log.info("triage retrain skipped: %s", exc)
        return None
    return version.number


@db_periodic_task(crontab(minute="30", hour="2", day_of_week="0"))
def retrain() -> int | None:
    """Weekly, Sunday 02:30: retrain the routing model on the district's decided cases."""
    return retrain_if_changed()


@db_periodic_task(crontab(minute="15", hour="3"))
def hotspots_daily() -> int:
    """Daily 03:15: hotspots of the last 7 days against the 7 before."""
    run = services.hotspots_compute(days=7)
    return run.hotspots.count()


@db_periodic_task(crontab(minute="*/10"))
def index_backfill() -> int:
    """Every 10 minutes: index cases registered without an index entry (e.g. imports)."""
    return services.index_backfill()


def follow_replies_sweep() -> int:
    mains = (
        DuplicateDecision.objects.filter(
            kind=DuplicateDecision.Kind.MERGED, reply_followed_at__isnull=True, other__reply__status=CaseReply.Status.ISSUED
        )
        .values_list("other_id", flat=True)
        .distinct()
    )
    n = 0
    for main in Case.objects.filter(pk__in=list(mains), state__in=[State.REPLIED, State.CLOSED]):
        n += services.follow_main_reply(main=main)
    return n


@db_periodic_task(crontab(minute="20"))
def follow_replies() -> int:
    """Hourly: issue a main case's reply on merged duplicates the after-commit hook missed."""
    return follow_replies_sweep()


def _keep_suggestion(case: Case) -> int | None:
    """Keep a routing suggestion for a newly registered case; never raises (a failure is
    logged and intake goes on). Idempotent: a case that has its suggestion keeps it."""
    try:
        row = services.suggestion_for_case(case=case)
    except Exception:
        log.exception("triage: suggestion_for_case failed for case %s", case.pk)
        return None
    return row.pk if row is not None else None


def drain() -> int:
    """The new cases queued by registrations (``NewCase``), indexed and given their kept
    suggestion in batches; never raises (a failure is logged, the rows stay queued)."""
    try:
        return services.index_and_suggest_new()
    except Exception:
        log.exception("triage: draining the new cases failed")
        return 0


@db_task()
def drain_new_cases() -> int:
    """Woken after a registration commits (debounced: one job for a burst of them)."""
    return drain()


@db_periodic_task(crontab(minute="*"))
def drain_new_cases_periodic() -> int:
    """Every minute: the same drain, so a lost wake-up or a worker that was down costs at
    most a minute."""
    return drain()


@db_task()
def index_and_suggest(case_id: int) -> int | None:
    """What releases before ``drain_new_cases`` queued after each registration: the case's
    entry in the duplicate index, then its kept routing suggestion. Kept so that jobs still
    in the queue across an upgrade run; nothing queues it any more. Idempotent; never
    raises (a failure is logged; ``index_backfill`` catches up on the index)."""
    case = Case.objects.filter(pk=case_id).select_related("town").first()
    if case is None:
        return None
    try:
        services.case_index_new(case=case)
    except Exception:
        log.exception("triage: case_index_new failed for case %s", case_id)
    return _keep_suggestion(case)


@db_task()
def suggest_for_case(case_id: int) -> int | None:
    """The suggestion alone: what releases before ``index_and_suggest`` queued. Kept so that
    jobs still in the queue across an upgrade run; nothing queues it any more."""
    case = Case.objects.filter(pk=case_id).select_related("town").first()
    return _keep_suggestion(case) if case is not None else None


@db_task()
def train_now(actor_id: int, seed: int = 0) -> int | None:
    """An administrator's "train now" (queued: training may take up to a minute)."""
    from accounts.models import User

    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return None
    try:
        version = services.classifier_train(actor=actor, seed=seed, activate=None, note=f"trained by {actor}")
    except ValidationError as exc:
        from notifications.services import notify

        notify(users=[actor], title=" ".join(exc.messages)[:200], url="/triage/models/")
        return None
    return version.number
