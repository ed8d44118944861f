"""Writes of the triage module, and the suggestion service every registration door calls.

API of the triage module
========================

Routing suggestions
- ``suggest(title, content, user=None, town=None, source="form", log=True) -> SuggestionResult``:
  the top 3 categories and for each the handling unit, with a confidence and a reason.
  Administrators' routing rules (TriageRule: keywords or patterns → category and unit,
  place names → town) win over the model when they match; then come the model's
  predictions; the categories' own search keywords (Category.keywords) fill the rest.
  Without a trained model (cold start) or with an unusable model file the rules alone
  answer, and an unusable file warns the administrators (``notify``). Empty, too short
  or foreign-language text gets no suggestion and says so; a category the model knows
  but that is no longer active is never suggested. With ``log`` and a user, the user's
  pending :class:`SuggestionLog` row is updated; :func:`suggestion_settle` (called when
  a case is registered) records whether the category chosen was one suggested.
  Rules, categories, towns and the model version come from this process's copy
  (:mod:`triage.cache`, checked with one cache get): no SQL query once warm.
- ``suggestion_for_case(case)``: after any registration (what the batch job
  ``index_and_suggest_new`` does for each queued new case): the officer's pending
  row, or a suggestion computed and kept with the case (pending until the case is
  accepted, :func:`suggestion_decide`). ``suggestion_apply(actor, case, rank,
  expected_version)``: intake applies a kept suggestion to a registered case (category,
  and town when missing), audited.

Routing models (administrators; the periodic job passes ``actor=None``)
- ``classifier_train(actor, seed=0, activate=None, note="") -> ClassifierVersion``:
  trains on the decided cases (title + content → category; categories with too few cases
  are rolled up into their parent), cross-validates (3 folds: the version's evaluation,
  and the confidence calibration), writes a signed model file and a version row. With
  ``activate=None`` the new version is put in use when there is none in use or when it
  is not worse than the one in use by more than 2 points of accuracy. Deterministic for
  a seed: the same cases and seed give the same predictions.
- ``classifier_activate(actor, version)``: put a version in use (refused when its file is
  missing or corrupt). ``classifier_rollback(actor)``: put the previous version back.

Near-duplicates, similar replies, merge
- ``case_index(case)``: (re)compute a case's fingerprint and LSH keys (new cases are
  indexed in batches by ``index_and_suggest_new``; ``index_backfill`` indexes older cases).
- ``new_case_queue(case)``: queue a new case (``NewCase``, in the registration's
  transaction); ``index_and_suggest_new(batch=500) -> int``: the queued cases' index
  entries and kept suggestions, a batch per transaction (job ``drain_new_cases``).
- ``duplicate_dismiss(actor, case, other)``: not a duplicate; never suggested again.
- ``case_merge_duplicate(actor, case, into, expected_version, note="")``: intake merges a
  registered case into the main case as a duplicate through ``cases.services.merge_case``
  (linked as duplicate of, not accepted separately with the reason told to the
  complainant; refused into itself, into a case that is itself merged, into a finished
  matter or closed review chain, for a case no longer "registered", for review cases)
  and records the decision; when the main case's reply is issued the same reply is
  issued on it (``follow_main_reply`` → ``cases.services.case_follow_reply``).

Hotspots
- ``hotspots_compute(end=None, days=7) -> HotspotRun``: clusters the cases of the period
  [end - days, end) by topic and town, compares them with the previous period and
  replaces the period's hotspots (idempotent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, UnitKind, User
from audit.services import audit_record
from cases.models import Case, CaseEvent, CaseReply, Category, Level, State
from cases.selectors import suggest_unit
from lib.triage import dedup
from lib.triage.hotspots import Item, find_hotspots
from lib.triage.model import MODEL_KIND, Params, RoutingModel
from lib.triage.replies import KEYWORDS_STORED, duplicate_score, word_counts
from lib.triage.store import ModelFileError, save
from lib.triage.text import is_meaningful, normalise, words
from notifications.models import Notification
from notifications.services import notify
from triage import cache as triage_cache
from triage import rules as rules_mod
from triage import runtime
from triage.models import (
    CaseBandKey,
    CaseFingerprint,
    ClassifierVersion,
    DuplicateDecision,
    Hotspot,
    HotspotRun,
    NewCase,
    SuggestionLog,
)

log = logging.getLogger(__name__)

TOP_K = 3
MIN_TRAIN_CASES = 30
MIN_PER_CLASS = 5
TRAIN_MAX = 50_000
TRAIN_FOLDS = 3
ACTIVATE_TOLERANCE = 0.02
#: model suggestions below this confidence are not shown (a guess, not a suggestion)
MIN_MODEL_CONFIDENCE = 0.01
#: the top suggestion below this confidence is flagged as uncertain
LOW_CONFIDENCE = 0.4
RULE_CONFIDENCE = 1.0
#: shown for a match of a category's own keywords (no calibrated probability behind it)
KEYWORD_CONFIDENCE = 0.5
PENDING_WINDOW = dt.timedelta(hours=2)
DUPLICATE_THRESHOLD = 0.3
SAME_PERSON_THRESHOLD = 0.2
DUPLICATE_WINDOW = dt.timedelta(days=180)
#: text-similar cases further apart than this are history, not duplicates
LSH_WINDOW = dt.timedelta(days=365)
OTHER_TOWN_FACTOR = 0.3
PLACE_CANDIDATES = 100
LSH_CANDIDATES = 200
SIMILAR_CANDIDATES = 2000
REPLY_STATES = (State.REPLIED, State.CLOSED)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only administrators may manage routing models."))


def _category_path(cat: Category) -> str:
    names = []
    node: Category | None = cat
    while node is not None:
        names.insert(0, node.display_name)
        node = node.parent
    return " › ".join(names)


def _admins() -> list[User]:
    return list(User.objects.filter(is_active=True, role_assignments__role=Role.ADMIN).distinct())


def case_text(case: Case) -> str:
    return f"{case.title}\n{case.content}"


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


@dataclass
class SuggestionItem:
    category: Category
    path: str
    unit: Unit | None
    confidence: float
    source: str  # "rule", "keywords" or "model"
    reason: str
    terms: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass
class SuggestionResult:
    items: list[SuggestionItem]
    status: str  # ok | empty | too_short | foreign | no_match | inactive
    message: str = ""
    town: Unit | None = None
    town_reason: str = ""
    warning: str = ""
    version: ClassifierVersion | None = None
    log_id: int | None = None
    uncertain: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.items)


def _no_suggestion_message(status: str) -> str:
    return {
        "empty": _("No text yet: type the title and content to get suggestions."),
        "too_short": _("The text is too short to suggest a category; choose one from the list."),
        "foreign": _("The text is not in Chinese; no category is suggested. Choose one from the list."),
        "no_match": _("No rule matches and there is no routing model yet; choose a category from the list."),
        "inactive": _("The categories the model points to are no longer in use; choose a category from the list."),
    }.get(status, "")


def _warn_model_unusable(version: ClassifierVersion, error: str) -> None:
    """Tell the administrators once a day that the model file cannot be used."""
    day = timezone.localdate().isoformat()

    def send() -> None:
        try:
            notify(
                users=_admins(),
                title=_("Routing model v%(n)s cannot be used; suggestions use the rules alone") % {"n": version.number},
                body=_("The model file is missing or corrupt (%(error)s). Retrain or roll back on the routing models page.")
                % {"error": error[:200]},
                url="/triage/models/",
                level=Notification.Level.ESCALATION,
                dedupe_key=f"triage:model-unusable:{version.pk}:{day}",
            )
        except Exception:  # a warning must never break a suggestion
            log.exception("could not warn administrators about the triage model")

    send()


def suggest(
    *,
    title: str = "",
    content: str = "",
    user: User | None = None,
    town: Unit | None = None,
    source: str = "form",
    log_it: bool = True,
    data: triage_cache.Snapshot | None = None,
) -> SuggestionResult:
    text = f"{title or ''}\n{content or ''}"[:20_000]
    ok, why = is_meaningful(text)
    if not ok:
        result = SuggestionResult([], why, _no_suggestion_message(why))
        return result
    # rules, categories and the model version from this process's copy (one cache get;
    # a batch passes the copy it read once)
    if data is None:
        data = triage_cache.current()
    hits = rules_mod.category_hits(text, data)
    places = rules_mod.place_hits(text, data)
    town_reason = ""
    if town is None and places:
        town, town_reason = places[0].town, places[0].reason
    loaded = runtime.loaded_for(data.version)
    warning = ""
    if loaded.version is not None and loaded.model is None:
        warning = _("The routing model cannot be used; these suggestions come from the rules alone.")
        _warn_model_unusable(loaded.version, loaded.error)
    items: list[SuggestionItem] = []
    seen: set[int] = set()

    def add_rule_hits(strong: bool) -> None:
        for hit in hits:
            if len(items) >= TOP_K:
                return
            if hit.strong != strong or hit.category.pk in seen:
                continue
            items.append(
                SuggestionItem(
                    hit.category,
                    data.path(hit.category),
                    hit.unit or suggest_unit(hit.category, town),
                    RULE_CONFIDENCE if strong else KEYWORD_CONFIDENCE,
                    "rule" if strong else "keywords",
                    hit.reason,
                    hit.matched,
                )
            )
            seen.add(hit.category.pk)

    # administrators' routing rules win over the model
    add_rule_hits(True)
    inactive_only = False
    preds: list[Any] = []
    explained: dict[str, list[tuple[str, float]]] = {}
    if loaded.model is not None and len(items) < TOP_K:
        try:
            preds, explained = loaded.model.suggest(text, k=min(len(loaded.model.labels), TOP_K + 5), explain=4)
        except Exception as exc:  # a model that loads but cannot predict is unusable too
            log.exception("triage model v%s failed to predict", loaded.version.number if loaded.version else "?")
            if loaded.version is not None:
                _warn_model_unusable(loaded.version, f"prediction failed: {exc}")
            warning = _("The routing model cannot be used; these suggestions come from the rules alone.")
            loaded = runtime.Loaded(loaded.version, None, str(exc))
    if loaded.model is not None and preds:
        cats = data.categories
        skipped_inactive = 0
        for p in preds:
            if len(items) >= TOP_K:
                break
            cat = cats.get(int(p.label)) if p.label.isdigit() else None
            if cat is None or not cat.is_active:
                if p.confidence >= MIN_MODEL_CONFIDENCE:
                    skipped_inactive += 1
                continue
            if cat.pk in seen or p.confidence < MIN_MODEL_CONFIDENCE:
                continue
            terms = [t for t, _w in explained.get(p.label, [])]
            reason = (
                _("Model v%(n)s: the words “%(terms)s” weighed most")
                % {"n": loaded.version.number if loaded.version else "?", "terms": "、".join(terms)}
                if terms
                else _("Model v%(n)s: similar to past cases of this category") % {"n": loaded.version.number if loaded.version else "?"}
            )
            items.append(SuggestionItem(cat, data.path(cat), suggest_unit(cat, town), round(p.confidence, 3), "model", reason, terms))
            seen.add(cat.pk)
        inactive_only = not items and skipped_inactive > 0
    # the categories' own keywords: the whole answer without a model, else they fill up
    add_rule_hits(False)
    if items:
        status, message = "ok", ""
    else:
        status = "inactive" if inactive_only else "no_match"
        message = _no_suggestion_message(status)
    result = SuggestionResult(
        items,
        status,
        message,
        town=town,
        town_reason=town_reason,
        warning=warning,
        version=loaded.version if loaded.model is not None else None,
        uncertain=bool(items) and items[0].source == "model" and items[0].confidence < LOW_CONFIDENCE,
    )
    if log_it and user is not None and getattr(user, "pk", None):
        result.log_id = _log_suggestion(user=user, source=source, text=text, result=result)
    return result


def _log_values(*, source: str, text: str, result: SuggestionResult) -> dict[str, Any]:
    """The columns of a :class:`SuggestionLog` row that keep ``result``."""
    payload = [
        {
            "category": it.category.pk,
            "unit": it.unit.pk if it.unit else None,
            "confidence": it.confidence,
            "source": it.source,
            "reason": it.reason,
        }
        for it in result.items
    ]
    top = result.items[0] if result.items else None
    return {
        "source": source[:20],
        "text_hash": hashlib.sha256(normalise(text).encode()).hexdigest(),
        "version": result.version,
        "suggestions": payload,
        "top_category": top.category if top else None,
        "top_unit": top.unit if top else None,
        "from_rule": bool(top and top.source == "rule"),
        "status": result.status[:12],
        "town": result.town if result.town_reason else None,
        "town_reason": result.town_reason[:200],
        "model_unusable": bool(result.warning),
    }


def _log_suggestion(*, user: User, source: str, text: str, result: SuggestionResult) -> int:
    """Keep the user's one pending suggestion row up to date (telemetry, no audit row)."""
    now = timezone.now()
    values = _log_values(source=source, text=text, result=result)
    values["updated_at"] = now
    with transaction.atomic():
        row = (
            SuggestionLog.objects.select_for_update()
            .filter(user=user, outcome=SuggestionLog.Outcome.PENDING, case__isnull=True, updated_at__gte=now - PENDING_WINDOW)
            .order_by("-updated_at")
            .first()
        )
        if row is None:
            row = SuggestionLog.objects.create(user=user, created_at=now, **values)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.save(update_fields=list(values))
    return row.pk


@transaction.atomic
def suggestion_settle(*, case: Case) -> SuggestionLog | None:
    """Attach the registering user's pending suggestions to the new case and record whether
    the category chosen was suggested (accepted, with its rank) or not (overridden). Only
    suggestions of this very text (title and content as registered) looked at before the
    case was registered count: when the job runs late (a queue of new cases) the user's row
    may already be about their next case, and a row left from a form that was never sent
    must not land on another complainant's case. Without one the case gets a suggestion
    computed for it."""
    if case.created_by_id is None:
        return None
    now = timezone.now()
    text_hash = hashlib.sha256(normalise(case_text(case)[:20_000]).encode()).hexdigest()
    pending = SuggestionLog.objects.select_for_update().filter(
        user_id=case.created_by_id,
        outcome=SuggestionLog.Outcome.PENDING,
        case__isnull=True,
        updated_at__gte=now - PENDING_WINDOW,
        text_hash=text_hash,
    )
    if case.created_at is not None:
        pending = pending.filter(updated_at__lte=case.created_at)
    row = pending.order_by("-updated_at").first()
    if row is None:
        return None
    suggested = [s.get("category") for s in row.suggestions]
    rank = suggested.index(case.category_id) + 1 if case.category_id and case.category_id in suggested else 0
    if not suggested:
        outcome = SuggestionLog.Outcome.NONE
    elif rank:
        outcome = SuggestionLog.Outcome.ACCEPTED
    else:
        outcome = SuggestionLog.Outcome.OVERRIDDEN
    row.case = case
    row.chosen_category_id = case.category_id
    row.chosen_rank = rank
    row.outcome = outcome
    row.decided_at = now
    row.save(update_fields=["case", "chosen_category", "chosen_rank", "outcome", "decided_at"])
    return row


#: SuggestionLog.source of a suggestion kept for a case registered through any door
#: (portal, Open311, REST, import, or the staff form without a suggestion looked at)
REGISTRATION_SOURCE = "registration"


def _outcome_for(row: SuggestionLog, category_id: int | None) -> tuple[str, int]:
    suggested = [s.get("category") for s in row.suggestions]
    if not suggested:
        return SuggestionLog.Outcome.NONE, 0
    rank = suggested.index(category_id) + 1 if category_id and category_id in suggested else 0
    return (SuggestionLog.Outcome.ACCEPTED if rank else SuggestionLog.Outcome.OVERRIDDEN), rank


def _kept_row(case: Case, now: dt.datetime, data: triage_cache.Snapshot | None = None) -> SuggestionLog:
    """The unsaved suggestion kept for ``case`` (computed now): *pending* until the case is
    accepted, *none* with its status when the text gets no suggestion."""
    result = suggest(title=case.title, content=case.content, town=case.town, log_it=False, data=data)
    return SuggestionLog(
        case_id=case.pk,
        user=None,
        created_at=now,
        updated_at=now,
        outcome=SuggestionLog.Outcome.PENDING if result.items else SuggestionLog.Outcome.NONE,
        decided_at=None if result.items else now,
        **_log_values(source=REGISTRATION_SOURCE, text=case_text(case), result=result),
    )


def suggestion_for_case(*, case: Case) -> SuggestionLog | None:
    """After a case is registered through any door (staff form, portal, Open311, REST,
    import): attach the registering user's pending suggestions (the staff form), or else
    compute a suggestion for the case and keep it with the case, so that the intake
    officer deciding it sees the suggestion with its reasons and can apply it
    (:func:`suggestion_apply`). Such a row stays *pending* until the case is accepted
    (:func:`suggestion_decide`). Text that gets no suggestion (empty, too short, not
    Chinese, only retired categories) is kept as "no suggestion" with its status, so the
    page says why. Called after the registration commits; never raises into it."""
    row = suggestion_settle(case=case)
    if row is not None:
        return row
    if case.level != Level.ORIGINAL:
        return None  # review requests are not routed: they go to the next-higher office
    existing = SuggestionLog.objects.filter(case=case).first()
    if existing is not None:
        return existing
    from django.conf import settings
    from django.utils import translation

    # the reasons are kept, so they are written in the site's language, not the request's
    with translation.override(settings.LANGUAGE_CODE):
        row = _kept_row(case, timezone.now())
    try:
        with transaction.atomic():
            row.save()
            return row
    except IntegrityError:  # computed twice concurrently (the after-commit hook and a retry)
        return SuggestionLog.objects.filter(case=case).first()


@transaction.atomic
def suggestion_decide(*, case: Case) -> SuggestionLog | None:
    """When a case is accepted: settle its pending suggestion: accepted when the category
    the case is accepted with is one suggested (with its rank), else overridden."""
    row = SuggestionLog.objects.select_for_update().filter(case=case, outcome=SuggestionLog.Outcome.PENDING).first()
    if row is None:
        return None
    category_id = Case.objects.filter(pk=case.pk).values_list("category_id", flat=True).first()
    row.outcome, row.chosen_rank = _outcome_for(row, category_id)
    row.chosen_category_id = category_id
    row.decided_at = timezone.now()
    row.save(update_fields=["outcome", "chosen_rank", "chosen_category", "decided_at"])
    return row


@transaction.atomic
def suggestion_apply(*, actor: User, case: Case, rank: int, expected_version: int | None) -> Case:
    """Apply the kept suggestion ``rank`` (1–3) to a registered case: its category (and the
    suggested town / street when the case has none). One click for the intake officer
    deciding the case; an internal timeline line and the audit row record it, and the
    suggestion counts as accepted. Refused for staff other than intake, once the case is
    decided (accepted, not accepted, ...), for a rank that was not suggested and for a
    category that is no longer in use."""
    from cases.services import _commit, _lock

    if not actor.has_role(Role.INTAKE):
        raise PermissionDenied(_("Only intake officers may apply a routing suggestion."))
    case = _lock(case, expected_version)
    if case.state != State.REGISTERED:
        raise ValidationError(_("A suggestion can only be applied while the case is still to be decided."))
    row = SuggestionLog.objects.select_for_update().filter(case=case).first()
    items = row.suggestions if row is not None else []
    if not 1 <= rank <= len(items):
        raise ValidationError(_("There is no such suggestion for this case."))
    item = items[rank - 1]
    category = Category.objects.filter(pk=item.get("category"), is_active=True).first()
    if category is None:
        raise ValidationError(_("The suggested category is no longer in use; choose one from the list."))
    assert row is not None
    before = {"category": case.category.code if case.category else None, "town": case.town_id}
    fields = ["category"]
    case.category = category
    town = None
    if case.town_id is None and row.town_id is not None:
        town = Unit.objects.filter(pk=row.town_id, kind=UnitKind.TOWN, is_active=True).first()
        if town is not None:
            case.town = town
            fields.append("town")
    text = _("Category set to “%(category)s” from routing suggestion %(rank)d: %(reason)s") % {
        "category": _category_path(category),
        "rank": rank,
        "reason": item.get("reason", ""),
    }
    if town is not None:
        text += "\n" + _("Town / street set to %(town)s.") % {"town": town.name}
    _commit(
        case,
        actor=actor,
        action="apply_suggestion",
        event=CaseEvent.Kind.NOTE,
        text=text,
        fields=fields,
        before=before,
        after={"category": category.code, "town": case.town_id, "rank": rank, "suggestion": row.pk},
    )
    row.outcome = SuggestionLog.Outcome.ACCEPTED
    row.chosen_rank = rank
    row.chosen_category = category
    row.decided_at = timezone.now()
    row.save(update_fields=["outcome", "chosen_rank", "chosen_category", "decided_at"])
    return case


# ---------------------------------------------------------------------------
# Routing models
# ---------------------------------------------------------------------------


@dataclass
class TrainingSet:
    texts: list[str]
    labels: list[str]
    rolled_up: int
    dropped: int


def training_set(limit: int = TRAIN_MAX) -> TrainingSet:
    """Decided cases (accepted or beyond) with a category, newest first; categories with fewer
    than MIN_PER_CLASS cases are rolled up into their parent, inactive ones too."""
    rows = list(
        Case.objects.filter(category__isnull=False)
        .exclude(state=State.REGISTERED)
        .order_by("-received_at", "-id")
        .values_list("title", "content", "category_id")[:limit]
    )
    cats = {c.pk: c for c in Category.objects.all()}
    labels = [cid for _t, _c, cid in rows]

    def parent_of(cid: int | None) -> int | None:
        cat = cats.get(cid) if cid is not None else None
        return cat.parent_id if cat else None

    rolled = 0
    for _round in range(3):
        counts = Counter(labels)
        changed = False
        for i, cid in enumerate(labels):
            if cid is None:
                continue
            cat = cats.get(cid)
            if cat is None or not cat.is_active or counts[cid] < MIN_PER_CLASS:
                parent = parent_of(cid)
                if parent is not None or cat is None or not cat.is_active:
                    labels[i] = parent
                    rolled += 1
                    changed = True
        if not changed:
            break
    counts = Counter(labels)
    texts, out = [], []
    dropped = 0
    for (title, content, _cid), label in zip(rows, labels, strict=True):
        if label is None or counts[label] < MIN_PER_CLASS or not cats[label].is_active:
            dropped += 1
            continue
        texts.append(f"{title}\n{content}")
        out.append(str(label))
    return TrainingSet(texts, out, rolled, dropped)


def classifier_train(
    *, actor: User | None = None, seed: int = 0, activate: bool | None = None, note: str = "", limit: int = TRAIN_MAX
) -> ClassifierVersion:
    """Train a new routing model version. The training itself runs outside any transaction
    (it takes seconds to a minute); the version row, its audit row and the activation are
    one transaction."""
    _require_admin(actor)
    data = training_set(limit)
    if len(data.texts) < MIN_TRAIN_CASES or len(set(data.labels)) < 2:
        raise ValidationError(
            _(
                "Not enough decided cases to train a routing model (%(n)d usable, at least %(min)d in two or more categories are needed); suggestions use the rules alone."
            )
            % {"n": len(data.texts), "min": MIN_TRAIN_CASES}
        )
    started = time.perf_counter()
    model = RoutingModel(params=Params(seed=seed)).fit(data.texts, data.labels, folds=TRAIN_FOLDS, evaluate=True)
    seconds = round(time.perf_counter() - started, 2)
    evaluation = model.evaluation.as_dict() if model.evaluation else {}
    evaluation["rolled_up"] = data.rolled_up
    evaluation["dropped"] = data.dropped
    directory = runtime.model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    tmp_name = f"routing-new-{timezone.now():%Y%m%d%H%M%S%f}.mstriage"
    sha = save(directory / tmp_name, model, meta={"kind": MODEL_KIND, "seed": seed, "labels": model.labels}, key=runtime.model_key())
    try:
        version = _classifier_record(
            actor=actor,
            model=model,
            sha=sha,
            tmp_name=tmp_name,
            seed=seed,
            seconds=seconds,
            evaluation=evaluation,
            note=note,
            activate=activate,
        )
    except BaseException:
        (directory / tmp_name).unlink(missing_ok=True)
        raise
    return version


@transaction.atomic
def _classifier_record(
    *,
    actor: User | None,
    model: RoutingModel,
    sha: str,
    tmp_name: str,
    seed: int,
    seconds: float,
    evaluation: dict[str, Any],
    note: str,
    activate: bool | None,
) -> ClassifierVersion:
    number = (ClassifierVersion.objects.select_for_update().aggregate(m=Max("number"))["m"] or 0) + 1
    directory = runtime.model_dir()
    name = f"routing-v{number}-{sha[:12]}.mstriage"
    (directory / tmp_name).replace(directory / name)
    version = ClassifierVersion.objects.create(
        number=number,
        kind=MODEL_KIND,
        file_name=name,
        sha256=sha,
        size_bytes=(directory / name).stat().st_size,
        seed=seed,
        trained_cases=model.n_train,
        categories=[int(label) for label in model.labels],
        evaluation=evaluation,
        accuracy=evaluation.get("accuracy"),
        macro_f1=evaluation.get("macro_f1"),
        training_seconds=seconds,
        note=note[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="triage.classifier.train",
        obj=version,
        after={"number": number, "cases": model.n_train, "accuracy": version.accuracy, "macro_f1": version.macro_f1, "seed": seed},
    )
    current = ClassifierVersion.objects.filter(is_active=True).exclude(pk=version.pk).first()
    if activate is None:
        activate = current is None or current.accuracy is None or (version.accuracy or 0) >= current.accuracy - ACTIVATE_TOLERANCE
    if activate:
        _activate(actor=actor, version=version, current=current, verify=False)
    return version


def _activate(
    *, actor: User | None, version: ClassifierVersion, current: ClassifierVersion | None, verify: bool = True
) -> ClassifierVersion:
    if verify:
        try:
            runtime.load_version(version)
        except ModelFileError as exc:
            raise ValidationError(
                _("The model file of v%(n)s is missing or corrupt (%(error)s); it cannot be put in use.")
                % {"n": version.number, "error": exc}
            )
    if current is not None and current.pk != version.pk:
        ClassifierVersion.objects.filter(pk=current.pk).update(is_active=False)
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    audit_record(
        actor=actor,
        action="triage.classifier.activate",
        obj=version,
        before={"active": f"v{current.number}" if current else None},
        after={"active": f"v{version.number}"},
    )
    transaction.on_commit(runtime.forget)
    return version


@transaction.atomic
def classifier_activate(*, actor: User | None, version: ClassifierVersion) -> ClassifierVersion:
    _require_admin(actor)
    version = ClassifierVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ClassifierVersion.Status.READY:
        raise ValidationError(_("This version failed to train and cannot be put in use."))
    if version.is_active:
        raise ValidationError(_("This version is already in use."))
    current = ClassifierVersion.objects.select_for_update().filter(is_active=True).first()
    return _activate(actor=actor, version=version, current=current)


@transaction.atomic
def classifier_rollback(*, actor: User | None) -> ClassifierVersion:
    """Put back the newest ready version older than the one in use."""
    _require_admin(actor)
    current = ClassifierVersion.objects.select_for_update().filter(is_active=True).first()
    if current is None:
        raise ValidationError(_("No routing model is in use, so there is nothing to roll back."))
    previous = (
        ClassifierVersion.objects.filter(number__lt=current.number, status=ClassifierVersion.Status.READY).order_by("-number").first()
    )
    if previous is None:
        raise ValidationError(_("There is no earlier version to roll back to."))
    return _activate(actor=actor, version=previous, current=current)


# ---------------------------------------------------------------------------
# Near-duplicate index
# ---------------------------------------------------------------------------


def _place_words(address: str, town: Unit | None) -> frozenset[str]:
    """Words of the case's own address and town: the candidate search matches the place
    already, so they do not count again as "similar wording"."""
    text = normalise(address or "", town.name if town is not None else "")
    return frozenset(words(text)) if text else frozenset()


def fingerprint_of(title: str, content: str, address: str = "", town: Unit | None = None) -> tuple[bytes, dict[str, int], list[int]]:
    norm = normalise(title, content, limit=3000)
    sig = dedup.signature(norm)
    return dedup.signature_bytes(sig), word_counts(norm, KEYWORDS_STORED, exclude=_place_words(address, town)), dedup.band_keys(sig)


@transaction.atomic
def case_index(*, case: Case) -> CaseFingerprint:
    """(Re)compute a case's entry in the duplicate index. Index maintenance: no audit row."""
    sig, counts, keys = fingerprint_of(case.title, case.content, case.address, case.town)
    fp, _created = CaseFingerprint.objects.update_or_create(
        case=case,
        defaults={
            "signature": sig,
            "keywords": counts,
            "category_id": case.category_id,
            "town_id": case.town_id,
            "received_at": case.received_at,
            "indexed_at": timezone.now(),
        },
    )
    CaseBandKey.objects.filter(case=case).delete()
    CaseBandKey.objects.bulk_create([CaseBandKey(case=case, key=k) for k in keys])
    return fp


def case_index_new(*, case: Case) -> None:
    """A newly registered case's entry in the duplicate index: two INSERTs in one
    transaction (no read, nothing to delete). Falls back to :func:`case_index` when the
    case was indexed meanwhile (a backfill run)."""
    fps, keys = _index_rows([case])
    try:
        with transaction.atomic():
            CaseFingerprint.objects.bulk_create(fps)
            CaseBandKey.objects.bulk_create(keys)
    except IntegrityError:
        case_index(case=case)


def _index_rows(cases: Iterable[Case]) -> tuple[list[CaseFingerprint], list[CaseBandKey]]:
    """The unsaved duplicate-index entries and band keys of ``cases``."""
    fps: list[CaseFingerprint] = []
    keys: list[CaseBandKey] = []
    now = timezone.now()
    for case in cases:
        sig, counts, band = fingerprint_of(case.title, case.content, case.address, case.town)
        fps.append(
            CaseFingerprint(
                case_id=case.pk,
                signature=sig,
                keywords=counts,
                category_id=case.category_id,
                town_id=case.town_id,
                received_at=case.received_at,
                indexed_at=now,
            )
        )
        keys.extend(CaseBandKey(case_id=case.pk, key=k) for k in band)
    return fps, keys


def index_backfill(*, batch: int = 2000) -> int:
    """Index cases that have no fingerprint yet (oldest first, one batch). Idempotent."""
    todo = list(
        Case.objects.filter(triage_fingerprint__isnull=True)
        .order_by("id")
        .only("id", "title", "content", "category_id", "town_id", "received_at")[:batch]
    )
    fps, keys = _index_rows(todo)
    with transaction.atomic():
        CaseBandKey.objects.filter(case__in=todo).delete()
        CaseFingerprint.objects.bulk_create(fps, ignore_conflicts=True)
        CaseBandKey.objects.bulk_create(keys, batch_size=5000)
    return len(todo)


# ---------------------------------------------------------------------------
# New cases: the duplicate index and the kept suggestion, in batches
# ---------------------------------------------------------------------------

#: set (SET NX, 30 s) while a drain job is queued, so a burst of registrations queues one
DRAIN_QUEUED_KEY = "triage:drain-queued"
DRAIN_QUEUED_TIMEOUT = 30
DRAIN_BATCH = 500


def new_case_queue(*, case: Case) -> None:
    """Put a newly registered case in the queue of :func:`index_and_suggest_new`: one INSERT
    in the registration's transaction (queue maintenance: no audit row)."""
    NewCase.objects.bulk_create([NewCase(case_id=case.pk)])


def _new_cases_take(batch: int) -> list[int]:
    """Take (delete, in the caller's transaction) up to ``batch`` queued case ids, oldest
    first. On PostgreSQL rows another drain holds are skipped, so two drains never take the
    same case; SQLite has one writer."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(NewCase._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE case_id IN "  # noqa: S608 (the table name is ours)
                f"(SELECT case_id FROM {table} ORDER BY case_id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING case_id",
                [batch],
            )
            return sorted(row[0] for row in cursor.fetchall())
    ids = list(NewCase.objects.order_by("case_id").values_list("case_id", flat=True)[:batch])
    if ids:
        NewCase.objects.filter(case_id__in=ids).delete()
    return ids


def _index_new_batch(cases: list[Case]) -> None:
    """The duplicate-index entries of new cases: one read (cases indexed meanwhile, e.g. by
    a backfill run, are skipped) and one INSERT for the entries, one for the band keys."""
    indexed = set(CaseFingerprint.objects.filter(case_id__in=[c.pk for c in cases]).values_list("case_id", flat=True))
    fps, keys = _index_rows(c for c in cases if c.pk not in indexed)
    if fps:
        CaseFingerprint.objects.bulk_create(fps)
        CaseBandKey.objects.bulk_create(keys, batch_size=5000)


def _suggest_new_batch(cases: list[Case], data: triage_cache.Snapshot | None = None) -> None:
    """What :func:`suggestion_for_case` does for each case, with a fixed number of queries:
    the registering users' pending rows are settled one by one (staff form only), cases
    that have their row keep it, the others get one computed and kept (one INSERT)."""
    from django.conf import settings
    from django.utils import translation

    now = timezone.now()
    creators = {c.created_by_id for c in cases if c.created_by_id is not None}
    pending: set[int] = set()
    if creators:
        pending = set(
            SuggestionLog.objects.filter(
                user_id__in=creators, outcome=SuggestionLog.Outcome.PENDING, case__isnull=True, updated_at__gte=now - PENDING_WINDOW
            )
            .values_list("user_id", flat=True)
            .distinct()
        )
    existing = set(SuggestionLog.objects.filter(case_id__in=[c.pk for c in cases]).values_list("case_id", flat=True))
    rows: list[SuggestionLog] = []
    # the reasons are kept, so they are written in the site's language, not the request's
    with translation.override(settings.LANGUAGE_CODE):
        for case in cases:
            if case.created_by_id in pending and suggestion_settle(case=case) is not None:
                continue  # a user's pending row settles one case: the next one finds none
            if case.level != Level.ORIGINAL or case.pk in existing:
                continue  # review requests are not routed
            rows.append(_kept_row(case, now, data))
    if rows:
        # a row written meanwhile (a job of an earlier release) is kept (unique case)
        SuggestionLog.objects.bulk_create(rows, ignore_conflicts=True)


def _index_and_suggest_one(case_id: int) -> None:
    """The fallback for a batch that failed: one case with the per-case services, in its own
    transaction; a case that fails is logged and leaves the queue (``index_backfill``
    catches up on its index), so one poisoned case cannot block the others."""
    with transaction.atomic():
        taken = NewCase.objects.filter(case_id=case_id).delete()[0]
        case = Case.objects.filter(pk=case_id).select_related("town").first() if taken else None
        if case is None:
            return  # taken by another drain meanwhile, or deleted
        try:
            with transaction.atomic():
                case_index_new(case=case)
        except Exception:
            log.exception("triage: case_index_new failed for case %s", case_id)
        try:
            with transaction.atomic():
                suggestion_for_case(case=case)
        except Exception:
            log.exception("triage: suggestion_for_case failed for case %s", case_id)


def index_and_suggest_new(*, batch: int = DRAIN_BATCH) -> int:
    """Index and keep a suggestion for the queued new cases (:class:`NewCase`), ``batch``
    at a time, each batch in one transaction with a fixed number of statements: take the
    rows, read the cases, the index (one read, two INSERTs), the suggestions (one read, one
    more when staff registered some of the cases, one INSERT). A batch that fails is rolled back and redone case by case. Idempotent; returns
    the number of cases taken."""
    try:
        cache.delete(DRAIN_QUEUED_KEY)  # a registration from now on queues another drain
    except Exception:  # the cache is down: the periodic drain still runs every minute
        log.warning("triage: could not clear %s", DRAIN_QUEUED_KEY, exc_info=True)
    done = 0
    while True:
        ids: list[int] = []
        try:
            # the rules, categories and model version, read (or rebuilt) outside the batch's
            # transaction: a copy built inside one is not reused once it has ended
            data = triage_cache.current()
            with transaction.atomic():
                ids = _new_cases_take(batch)
                if ids:
                    cases = list(Case.objects.filter(pk__in=ids).select_related("town").order_by("pk"))
                    if cases:
                        _index_new_batch(cases)
                        _suggest_new_batch(cases, data)
        except Exception:
            log.exception("triage: a batch of %s new cases failed; doing them one by one", len(ids) or "?")
            if not ids:
                raise  # could not even take the rows: they stay queued
            for case_id in ids:
                _index_and_suggest_one(case_id)
        done += len(ids)
        if len(ids) < batch:
            return done


def _idf() -> dict[str, float]:
    """The word idf of the routing model in use (the district's own history), or {}."""
    loaded = runtime.load_active()
    if loaded.model is None or loaded.model.featurizer is None:
        return {}
    feat = loaded.model.featurizer
    cached = getattr(feat, "_word_idf", None)
    if cached is None:
        cached = feat.word_idf_map()
        feat._word_idf = cached  # type: ignore[attr-defined]
    return cached


@dataclass
class DuplicateCandidate:
    case: Case
    score: float
    text_score: float
    reasons: list[str]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _ensure_fingerprint(case: Case) -> CaseFingerprint:
    fp = CaseFingerprint.objects.filter(case=case).first()
    return fp if fp is not None else case_index(case=case)


def duplicates_for_case(*, user: User, case: Case, limit: int = 10) -> list[DuplicateCandidate]:
    """Likely duplicates of ``case`` among the cases ``user`` may see: similar text (LSH),
    the same place and category (recent), or the same complainant's cases on the same
    matter. Pairs dismissed before and cases already merged are left out."""
    from cases.access import cases_for_user
    from cases.models import Complainant

    fp = _ensure_fingerprint(case)
    sig = dedup.signature_from_bytes(bytes(fp.signature))
    keys = dedup.band_keys(sig)
    lsh_ids = set(CaseBandKey.objects.filter(key__in=keys).exclude(case_id=case.pk).values_list("case_id", flat=True)[:LSH_CANDIDATES])
    place_ids: set[int] = set()
    if case.category_id or case.town_id:
        qs = CaseFingerprint.objects.filter(
            received_at__gte=case.received_at - DUPLICATE_WINDOW, received_at__lte=case.received_at + DUPLICATE_WINDOW
        ).exclude(case_id=case.pk)
        if case.category_id:
            qs = qs.filter(category_id=case.category_id)
        if case.town_id:
            qs = qs.filter(town_id=case.town_id)
        place_ids = set(qs.order_by("-received_at").values_list("case_id", flat=True)[:PLACE_CANDIDATES])
    people = list(Complainant.objects.filter(case=case).values_list("phone", "id_number"))
    person_q = Q()
    for phone, id_number in people:
        if phone:
            person_q |= Q(phone=phone)
        if id_number:
            person_q |= Q(id_number=id_number)
    person_ids: set[int] = set()
    if person_q:
        person_ids = set(
            Complainant.objects.filter(person_q, case__received_at__gte=case.received_at - 2 * DUPLICATE_WINDOW)
            .exclude(case_id=case.pk)
            .values_list("case_id", flat=True)[:50]
        )
    candidates = lsh_ids | place_ids | person_ids
    if not candidates:
        return []
    decided = set(
        DuplicateDecision.objects.filter(Q(case=case, other_id__in=candidates) | Q(other=case, case_id__in=candidates)).values_list(
            "case_id", "other_id"
        )
    )
    excluded = {c for pair in decided for c in pair} - {case.pk}
    merged_away = set(
        DuplicateDecision.objects.filter(case_id__in=candidates, kind=DuplicateDecision.Kind.MERGED).values_list("case_id", flat=True)
    )
    candidates -= excluded | merged_away
    idf = _idf()
    fps = {f.case_id: f for f in CaseFingerprint.objects.filter(case_id__in=candidates)}
    scored: list[tuple[int, float, float, list[str]]] = []
    for cid in candidates:
        other = fps.get(cid)
        if other is None:
            continue
        if abs((other.received_at - case.received_at).total_seconds()) > LSH_WINDOW.total_seconds() and cid not in person_ids:
            continue
        jac = dedup.similarity(sig, dedup.signature_from_bytes(bytes(other.signature)))
        text_score = duplicate_score(jac, fp.keywords, other.keywords, idf)
        if case.town_id and other.town_id and other.town_id != case.town_id and cid not in person_ids:
            # another town is another place: only a verbatim copy is still worth showing
            text_score *= OTHER_TOWN_FACTOR
        reasons = []
        if text_score >= jac and jac >= dedup.DEFAULT_THRESHOLD:
            reasons.append(_("nearly the same text"))
        elif text_score >= DUPLICATE_THRESHOLD:
            reasons.append(_("similar wording"))
        same_place = case.category_id and other.category_id == case.category_id and case.town_id and other.town_id == case.town_id
        if same_place:
            reasons.append(_("same place and category"))
        threshold = DUPLICATE_THRESHOLD
        if cid in person_ids:
            reasons.append(_("same complainant"))
            threshold = SAME_PERSON_THRESHOLD
        if text_score >= threshold:
            scored.append((cid, text_score, text_score, reasons))
    if not scored:
        return []
    visible = {
        c.pk: c for c in cases_for_user(user).filter(pk__in=[s[0] for s in scored]).select_related("category", "town", "current_unit")
    }
    out = [DuplicateCandidate(visible[cid], round(score, 3), round(ts, 3), reasons) for cid, score, ts, reasons in scored if cid in visible]
    out.sort(key=lambda d: (-d.score, -d.case.received_at.timestamp()))
    return out[:limit]


def _check_decider(actor: User, case: Case) -> None:
    if not actor.has_role(Role.INTAKE):
        raise PermissionDenied(_("Only intake officers may merge or dismiss duplicates."))


@transaction.atomic
def duplicate_dismiss(*, actor: User, case: Case, other: Case) -> DuplicateDecision:
    """Record that ``other`` is not a duplicate of ``case``: the pair is not suggested again."""
    _check_decider(actor, case)
    if case.pk == other.pk:
        raise ValidationError(_("A case cannot be a duplicate of itself."))
    existing = DuplicateDecision.objects.filter(Q(case=case, other=other) | Q(case=other, other=case)).first()
    if existing is not None:
        raise ValidationError(_("This pair has already been decided (%(kind)s).") % {"kind": existing.get_kind_display()})
    decision = DuplicateDecision.objects.create(case=case, other=other, kind=DuplicateDecision.Kind.DISMISSED, decided_by=actor)
    audit_record(actor=actor, action="triage.duplicate.dismiss", obj=case, object_label=case.number, after={"other": other.number})
    return decision


@transaction.atomic
def case_merge_duplicate(*, actor: User, case: Case, into: Case, expected_version: int | None, note: str = "") -> DuplicateDecision:
    """Merge a registered case into the main case as a duplicate through
    ``cases.services.merge_case`` (which refuses what cannot be merged, see there) and
    record the decision, so the pair is not suggested again and the reply is followed."""
    from cases import services as case_services

    _check_decider(actor, case)
    if case.pk != into.pk:
        existing = DuplicateDecision.objects.filter(Q(case=case, other=into) | Q(case=into, other=case)).first()
        if existing is not None and existing.kind == DuplicateDecision.Kind.MERGED:
            raise ValidationError(_("These cases are already merged."))
        main = DuplicateDecision.objects.filter(case=into, kind=DuplicateDecision.Kind.MERGED).select_related("other").first()
        if main is not None:
            raise ValidationError(
                _("Case %(number)s is itself merged into %(main)s; merge into the main case.")
                % {"number": into.number, "main": main.other.number}
            )
    case = case_services.merge_case(actor=actor, case=case, into=into, expected_version=expected_version, note=note)
    note = (note or "").strip()[:500]
    score = 0.0
    try:
        a, b = _ensure_fingerprint(case), _ensure_fingerprint(into)
        score = dedup.similarity(dedup.signature_from_bytes(bytes(a.signature)), dedup.signature_from_bytes(bytes(b.signature)))
    except Exception:  # the score is informative only
        log.exception("duplicate score")
    DuplicateDecision.objects.filter(Q(case=case, other=into) | Q(case=into, other=case)).delete()
    followed = CaseReply.objects.filter(case=case, status=CaseReply.Status.ISSUED).values_list("issued_at", flat=True).first()
    decision = DuplicateDecision.objects.create(
        case=case, other=into, kind=DuplicateDecision.Kind.MERGED, score=round(score, 3), decided_by=actor, reply_followed_at=followed
    )
    audit_record(
        actor=actor, action="triage.duplicate.merge", obj=case, object_label=case.number, after={"into": into.number, "note": note}
    )
    return decision


def _follow_reply(*, decision: DuplicateDecision, main: Case) -> None:
    """Issue the main case's reply on a merged duplicate (``cases.services.case_follow_reply``:
    the same reply, a public timeline line, the message to the complainant)."""
    from cases.services import case_follow_reply

    if decision.reply_followed_at is not None:
        return
    if not CaseReply.objects.filter(case=main, status=CaseReply.Status.ISSUED).exists():
        return
    case_follow_reply(case=decision.case, main=main)
    decision.reply_followed_at = timezone.now()
    decision.save(update_fields=["reply_followed_at"])


@transaction.atomic
def follow_main_reply(*, main: Case) -> int:
    """Issue the main case's reply on every case merged into it (idempotent)."""
    n = 0
    for decision in (
        DuplicateDecision.objects.select_for_update()
        .filter(other=main, kind=DuplicateDecision.Kind.MERGED, reply_followed_at__isnull=True)
        .select_related("case")
    ):
        _follow_reply(decision=decision, main=main)
        n += 1
    return n


# ---------------------------------------------------------------------------
# Hotspots
# ---------------------------------------------------------------------------


def _level1(cat: Category | None, cats: dict[int, Category]) -> Category | None:
    node = cat
    while node is not None and node.parent_id is not None:
        node = cats.get(node.parent_id)
    return node


def hotspots_compute(*, end: dt.date | None = None, days: int = 7, max_cases: int = 20_000, notify_leaders: bool = True) -> HotspotRun:
    """Compute the hotspots of [end - days, end) (end exclusive, default today) against the
    previous ``days`` days and replace that period's hotspots. Running it twice for the same
    period leaves the same rows; leaders are told about a fast-growing hotspot once."""
    if days < 1 or days > 92:
        raise ValidationError(_("A hotspot period is 1 to 92 days."))
    end = end or timezone.localdate()
    start = end - dt.timedelta(days=days)
    prev = start - dt.timedelta(days=days)
    tz = timezone.get_current_timezone()

    def at(d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, dt.time.min, tzinfo=tz)

    rows = list(
        Case.objects.filter(received_at__gte=at(prev), received_at__lt=at(end), level=Level.ORIGINAL)
        .order_by("-received_at", "-id")
        .values_list("id", "title", "content", "received_at", "town_id", "category_id")[:max_cases]
    )
    cats = {c.pk: c for c in Category.objects.all()}
    towns = {u.pk: u for u in Unit.objects.filter(kind=UnitKind.TOWN)}
    items = []
    for cid, title, content, received, town_id, cat_id in rows:
        l1 = _level1(cats.get(cat_id) if cat_id else None, cats)
        items.append(Item(cid, normalise(title, content[:600]), title, received, str(town_id or ""), str(l1.pk) if l1 else ""))
    found = find_hotspots(items, start=at(start), end=at(end), previous_start=at(prev), min_size=3, top=20, idf=_idf() or None)
    return _hotspots_store(start=start, end=end, found=found, considered=len(rows), towns=towns, cats=cats, notify_leaders=notify_leaders)


@transaction.atomic
def _hotspots_store(
    *,
    start: dt.date,
    end: dt.date,
    found: list[Any],
    considered: int,
    towns: dict[int, Unit],
    cats: dict[int, Category],
    notify_leaders: bool,
) -> HotspotRun:
    run, _created = HotspotRun.objects.select_for_update().get_or_create(period_start=start, period_end=end, defaults={"cases": considered})
    run.hotspots.all().delete()
    run.cases = considered
    run.computed_at = timezone.now()
    run.save(update_fields=["cases", "computed_at"])
    objs = []
    for rank, h in enumerate(found, 1):
        town = towns.get(int(h.place)) if h.place.isdigit() else None
        cat = cats.get(int(h.category)) if h.category.isdigit() else None
        objs.append(
            Hotspot(
                run=run,
                key=h.key,
                rank=rank,
                size=h.size,
                previous=h.previous,
                growth=h.growth,
                heat=h.heat,
                title=h.title[:200],
                keywords=h.keywords,
                place=town.name if town else "",
                town=town,
                category=cat,
                representative_id=h.representative,
                case_ids=h.item_ids[:500],
            )
        )
    Hotspot.objects.bulk_create(objs)
    audit_record(
        actor=None,
        action="triage.hotspots.compute",
        obj=run,
        after={"from": start.isoformat(), "to": end.isoformat(), "hotspots": len(objs), "cases": considered},
    )
    if notify_leaders:
        rising = [h for h in objs[:5] if h.size >= 5 and h.growth >= 1.0]
        if rising:
            leaders = list(User.objects.filter(is_active=True, role_assignments__role__in=[Role.LEADER, Role.INTAKE]).distinct())

            def send() -> None:
                for h in rising:
                    notify(
                        users=leaders,
                        title=_("Rising hotspot: %(title)s (%(n)d cases)") % {"title": h.title[:60], "n": h.size},
                        body=_("%(place)s · %(n)d cases this period, %(p)d before.")
                        % {"place": h.place or "—", "n": h.size, "p": h.previous},
                        url=f"/triage/hotspots/{h.pk}/",
                        dedupe_key=f"triage:hotspot:{start.isoformat()}:{h.key}",
                    )

            transaction.on_commit(send)
    return run


def hotspot_cases(hotspot: Hotspot) -> Iterable[int]:
    return list(hotspot.case_ids)


def safe_after_commit(fn: Any, *args: Any, **kwargs: Any) -> None:
    """Run ``fn`` after the current transaction commits, logging (never raising) errors: the
    triage index must never make a case transition fail."""

    def run() -> None:
        try:
            fn(*args, **kwargs)
        except IntegrityError:
            log.info("triage: concurrent update in %s", getattr(fn, "__name__", fn))
        except Exception:
            log.exception("triage: %s failed", getattr(fn, "__name__", fn))

    transaction.on_commit(run)


def fingerprint_refresh(*, case_id: int, category_id: int | None, town_id: int | None) -> int:
    """Keep the index's category and town in step with the case (one UPDATE, often a no-op)."""
    return (
        CaseFingerprint.objects.filter(case_id=case_id)
        .exclude(category_id=category_id, town_id=town_id)
        .update(category_id=category_id, town_id=town_id)
    )
