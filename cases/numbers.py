"""Case numbers: ``2026-000123``, counted per year (docs/decisions/0003-case-numbers.md).

On PostgreSQL the numbers of a year come from the sequence ``cases_number_<year>``:
``nextval`` never waits for another transaction and is not rolled back, so concurrent
registrations do not queue behind one another, and a registration that fails after taking
its number leaves a gap. On SQLite (one writer at a time anyway) the counter row of the year
(``CaseNumberCounter``) is incremented in the registering transaction, without gaps.

Anything that writes case numbers itself (the demo loader, ``bench/generate``, a restore)
calls ``sync_sequences()`` afterwards, so the next registration follows the highest number
in use.
"""

from __future__ import annotations

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr

from cases.models import Case, CaseNumberCounter

SEQUENCE_PREFIX = "cases_number_"
_NUMBER_RE = r"^[0-9]{4}-[0-9]+$"


def format_number(year: int, n: int) -> str:
    return f"{year}-{n:06d}"


def sequence_name(year: int) -> str:
    return f"{SEQUENCE_PREFIX}{int(year)}"


def highest_numbers(year: int | None = None) -> dict[int, int]:
    """The highest number in use per year: the largest case number of the year, or the
    counter row if it is higher (the counter is what earlier versions counted with)."""
    cases = Case.objects.filter(number__regex=_NUMBER_RE)
    counters = CaseNumberCounter.objects.all()
    if year is not None:
        cases = cases.filter(number__startswith=f"{int(year)}-")
        counters = counters.filter(year=year)
    rows = (
        cases.annotate(y=Cast(Substr("number", 1, 4), IntegerField()), n=Cast(Substr("number", 6), IntegerField()))
        .values("y")
        .annotate(m=Max("n"))
        .values_list("y", "m")
    )
    highest: dict[int, int] = {}
    for y, last in [*rows, *counters.values_list("year", "last")]:
        highest[y] = max(highest.get(y, 0), last or 0)
    return highest


def allocate(year: int) -> str:
    """The next number of ``year``. Call inside the registering transaction."""
    if connection.vendor == "postgresql":
        return format_number(year, _next_from_sequence(year))
    return format_number(year, _next_from_counter(year))


def _next_from_counter(year: int) -> int:
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    for _attempt in range(3):
        with connection.cursor() as cursor:  # one statement: increment and read (RETURNING: SQLite >= 3.35)
            cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last", [year])  # noqa: S608 - the model's table
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():  # the first of the year: count on after any number in use
                CaseNumberCounter.objects.create(year=year, last=highest_numbers(year).get(year, 0))
        except IntegrityError:
            pass  # created by a concurrent registration; increment it
    raise RuntimeError("could not allocate a case number")


def _next_from_sequence(year: int) -> int:
    """``nextval`` of the year's sequence (one statement); the first registration of a year
    creates the sequence, starting after the highest number already in use."""
    name = sequence_name(year)
    error: Exception | None = None
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])  # NULL while the sequence does not exist
            row = cursor.fetchone()
        if row is not None and row[0] is not None:
            return int(row[0])
        try:
            with transaction.atomic():  # a savepoint: a failed CREATE leaves the registration usable
                _create_sequence(year, highest_numbers(year).get(year, 0) + 1)
        except (IntegrityError, ProgrammingError) as exc:
            # Another transaction created it at the same moment (PostgreSQL made us wait for
            # its commit and then reported the duplicate): use that one.
            error = exc
    raise RuntimeError("could not allocate a case number") from error


def _create_sequence(year: int, start: int) -> None:
    name = connection.ops.quote_name(sequence_name(year))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 1 START WITH {int(start)}")


def sequence_years() -> list[int]:
    """The years that have a number sequence (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'S' AND c.relname ~ %s AND pg_table_is_visible(c.oid)",
            [f"^{SEQUENCE_PREFIX}[0-9]{{4}}$"],
        )
        return sorted(int(r[0][len(SEQUENCE_PREFIX) :]) for r in cursor.fetchall())


def sync_sequences() -> dict[int, int]:
    """Set each year's next number to follow the highest number in use, after numbers were
    written directly (restore, demo loader, generator). PostgreSQL: every year's sequence
    (created when missing; a sequence of a year without cases starts again at 1). SQLite:
    the counter rows. Run it while nobody registers: a sequence may be moved backwards.
    Returns {year: highest number}."""
    highest = highest_numbers()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for year in sorted(set(highest) | set(sequence_years())):
                _create_sequence(year, highest.get(year, 0) + 1)
                cursor.execute("SELECT setval(%s, %s, false)", [sequence_name(year), highest.get(year, 0) + 1])
    else:
        for year, last in highest.items():
            CaseNumberCounter.objects.update_or_create(year=year, defaults={"last": last})
    return highest
