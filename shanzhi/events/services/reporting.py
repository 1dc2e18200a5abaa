"""Intake (信息收集): every channel reports through ``event_report``.

The point is located to its grid (``areas.locate``; GCJ-02 / BD-09 converted to WGS-84), the
type's attributes are checked (``clean_attributes``, the Open311 service-definition rules),
the reporter's phone is sealed, a ticket number is drawn from a per-day counter, and — for
channels where the reporter is a member of the public — a query code is generated, returned
once in clear and stored only as an HMAC. A grid worker's on-the-spot solution is the same
call with ``solved_on_spot=True``: reported → fed_back (awaiting verification) at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Role
from shanzhi.accounts.scope import scope_for
from shanzhi.areas import coords
from shanzhi.areas.locate import OUTSIDE_MESSAGE, cached_index, grid_index, locate
from shanzhi.areas.models import Area, BoundaryRevision, Level
from shanzhi.core.audit import audit_entry
from shanzhi.core.db import fetch_prepared
from shanzhi.core.insert import Dependents, insert_together
from shanzhi.registry import identity, protection
from shanzhi.registry.models import Person
from shanzhi.workdays.calendar import work_calendar
from shanzhi.workdays.models import CalendarRevision

from .. import deadlines, workflow
from ..catalogue_snapshot import active_subcategory
from ..models import (
    AttachmentKind,
    AttributeDatatype,
    CatalogueRevision,
    Channel,
    Event,
    EventNumberSequence,
    EventType,
    Priority,
    TimelineEntry,
)
from . import attachments
from .common import QUERY_CODE_ALPHABET, QUERY_CODE_LENGTH, query_code_index, timeline_entry
from .notifications import (
    deliver_after_commit,
    dispatcher_ids,
    dispatching_posts_sql,
    nearest_dispatchers,
    notification_rows,
)
from .transitions import event_transition

# Channels where a member of the public reports: they may report without an official post,
# and they get a query code.
PUBLIC_CHANNELS = frozenset({Channel.CITIZEN, Channel.OPEN311})
QUERY_CODE_CHANNELS = PUBLIC_CHANNELS | {Channel.HOTLINE}
# Channels where the actor reports what they saw themselves (and is the reporter); on the
# others an official records someone else's report (the caller, the higher office, …).
SELF_REPORTED_CHANNELS = PUBLIC_CHANNELS | {Channel.GRID_INSPECTION}
MAX_DESCRIPTION = 2000
MAX_STRING_ATTRIBUTE = 200
MAX_TEXT_ATTRIBUTE = 2000
INTAKE_LEVELS = {"village": Level.VILLAGE, "town": Level.TOWN, "district": Level.DISTRICT}


@dataclass(frozen=True)
class ReportResult:
    event: Event
    # The clear query code, to show the reporter once; "" on internal channels.
    query_code: str
    # The report's one timeline row when ``event`` is all this call wrote (no photos, not
    # solved on the spot), so a caller may show it without reading it back
    # (``selectors.event_as_reported``); None otherwise.
    entry: TimelineEntry | None = None


# --- attributes (Open311 service definition rules) ----------------------------------------------


def _attribute_value(attribute: Any, value: Any) -> Any:
    datatype = attribute.datatype
    if datatype in (AttributeDatatype.STRING, AttributeDatatype.TEXT):
        limit = MAX_STRING_ATTRIBUTE if datatype == AttributeDatatype.STRING else MAX_TEXT_ATTRIBUTE
        text = str(value).strip()
        if len(text) > limit:
            raise ValidationError(_("不能超过 %(n)s 个字。") % {"n": limit})
        return text
    if datatype == AttributeDatatype.NUMBER:
        if isinstance(value, bool):
            raise ValidationError(_("请填写数字。"))
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValidationError(_("请填写数字。")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValidationError(_("请填写数字。"))
        return int(number) if number.is_integer() else number
    if datatype == AttributeDatatype.DATETIME:
        parsed = (
            parse_datetime(str(value).strip())
            if not isinstance(value, datetime.datetime)
            else value
        )
        if parsed is None:
            raise ValidationError(_("请填写日期时间，例如 2026-03-02T09:30:00+08:00。"))
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.isoformat()
    keys = attribute.keys
    if datatype == AttributeDatatype.SINGLE:
        if str(value) not in keys:
            raise ValidationError(_("请从列表中选择。"))
        return str(value)
    if datatype == AttributeDatatype.MULTI:
        values = [value] if isinstance(value, str) else list(value)
        chosen = [str(v) for v in values]
        if not chosen or any(v not in keys for v in chosen):
            raise ValidationError(_("请从列表中选择。"))
        return sorted(set(chosen), key=keys.index)
    raise ValidationError(_("未知的数据类型。"))


def clean_attributes(event_type: EventType, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The type's attributes checked and normalised; errors keyed ``attributes.<code>``."""
    raw = dict(raw or {})
    defined = {a.code: a for a in event_type.attributes.all()}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code in sorted(set(raw) - set(defined)):
        errors[f"attributes.{code}"] = [_("该事件类型没有此属性。")]
    for code, attribute in defined.items():
        value = raw.get(code)
        if value is None or value == "" or value == []:
            if attribute.required:
                errors[f"attributes.{code}"] = [
                    _("“%(d)s”为必填项。") % {"d": attribute.description}
                ]
            continue
        try:
            cleaned[code] = _attribute_value(attribute, value)
        except ValidationError as exc:
            errors[f"attributes.{code}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- pieces of a report --------------------------------------------------------------------------


def normalise_contact_phone(value: str) -> str:
    """A mobile number (11 digits) or a landline such as 0632-4412345; "" stays ""."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return identity.normalise_mobile(value)
    except ValidationError:
        landline = re.sub(r"[\s()]", "", value)
        if re.fullmatch(r"0\d{2,3}-?\d{7,8}", landline):
            return landline
    raise ValidationError(_("请填写 11 位手机号或带区号的固定电话。"))


# The PostgreSQL sequence behind ticket numbers (migration 0003; ADR 0010).
EVENT_NUMBER_SEQUENCE = "events_event_number_seq"


def next_number(now: datetime.datetime, *, drawn: tuple[int, int | None] | None = None) -> str:
    """SZ + local date + a six-digit per-day sequence.

    On PostgreSQL the number is drawn from a database sequence, so concurrent reports never
    wait for each other (a row counter would be locked until each report commits); numbers
    are unique and rising within a day, and a rolled-back report leaves a gap. On SQLite,
    which serialises writers anyway, a per-day counter row gives gapless numbers.
    ``drawn``: a sequence value and the day's base already read (``intake_reads``)."""
    day = timezone.localdate(now)
    if connection.vendor == "postgresql":
        return f"SZ{day:%Y%m%d}{_drawn_number(day, drawn):06d}"
    if not EventNumberSequence.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                EventNumberSequence.objects.create(day=day, last=1)
        except IntegrityError:  # another report created today's row first
            EventNumberSequence.objects.filter(day=day).update(last=F("last") + 1)
    last = EventNumberSequence.objects.values_list("last", flat=True).get(day=day)
    return f"SZ{day:%Y%m%d}{last:06d}"


def _drawn_number(day: datetime.date, drawn_base: tuple[int, int | None] | None = None) -> int:
    """The day's next number on PostgreSQL: a value drawn from the sequence minus the day's
    ``base``. The day's first report sets ``base`` so that its number follows ``last`` (0,
    or what the counter or the demo used that day); a report that drew its value before
    that base was committed draws again, so every number of the day is at least 1."""
    if drawn_base is not None and drawn_base[1] is not None and drawn_base[0] > drawn_base[1]:
        return int(drawn_base[0] - drawn_base[1])  # the usual case: nothing more to ask
    table = connection.ops.quote_name(EventNumberSequence._meta.db_table)
    base_sql = f"SELECT base FROM {table} WHERE day = %s"  # noqa: S608 - our table's name
    with connection.cursor() as cursor:
        if drawn_base is None:
            cursor.execute(f"SELECT nextval(%s), ({base_sql})", [EVENT_NUMBER_SEQUENCE, day])
            drawn_base = cursor.fetchone()
        drawn, base = drawn_base
        if base is None:
            # Waits for a concurrent first report of the day, then leaves its base be.
            cursor.execute(
                f"INSERT INTO {table} AS s (day, last, base) VALUES (%s, 0, %s) "  # noqa: S608
                "ON CONFLICT (day) DO UPDATE SET base = EXCLUDED.base - s.last "
                "WHERE s.base IS NULL",
                [day, drawn - 1],
            )
            cursor.execute(base_sql, [day])
            (base,) = cursor.fetchone()
        while drawn <= base:  # drawn before another first report's base was committed
            cursor.execute("SELECT nextval(%s)", [EVENT_NUMBER_SEQUENCE])
            (drawn,) = cursor.fetchone()
    return int(drawn - base)


@dataclass(frozen=True)
class IntakeReads:
    """What a report reads before it writes, in one round trip on PostgreSQL: the cache
    tokens of the boundary index, the catalogue snapshot and the working-day calendar, a
    ticket number drawn with the day's base, the grid with its parents and the dispatching
    posts on the grid's chain. Elsewhere all None: each piece is read on its own."""

    boundary: int | None = None
    catalogue: str | None = None
    calendar: str | None = None
    drawn: tuple[int, int | None] | None = None
    grid: Area | None = None
    posts: tuple[tuple[int, int], ...] | None = None


@functools.cache
def _area_columns() -> list[Any]:
    """Area's columns but the boundary: intake never reads it (locate has its own index) and
    a district's can be large."""
    return [f for f in Area._meta.concrete_fields if f.name != "boundary"]


def _linked(areas: Iterable[Area], grid_id: int) -> Area | None:
    by_id = {area.pk: area for area in areas}
    for area in by_id.values():
        if area.parent_id in by_id:
            area.parent = by_id[area.parent_id]
    return by_id.get(grid_id)


@functools.cache
def _intake_reads_sql() -> tuple[str, tuple[str, ...]]:
    """The statement of ``intake_reads`` and its role parameters: the same in every report
    of a process, so built once."""
    qn = connection.ops.quote_name
    area_table = qn(Area._meta.db_table)
    # The grid's path is its ancestors' ids: primary-key lookups, no scan.
    chain = (
        f"string_to_array(trim(both '/' from "  # noqa: S608 - our table's name
        f"(SELECT g.path FROM {area_table} g WHERE g.id = %s)), '/')::bigint[]"
    )
    posts_sql, roles = dispatching_posts_sql(f"= ANY({chain})")
    columns = ", ".join(f"a.{qn(str(f.column))}" for f in _area_columns())
    sql = (
        f"SELECT t.*, {columns} FROM (SELECT "  # noqa: S608 - our tables' and columns' names
        f"(SELECT revision FROM {qn(BoundaryRevision._meta.db_table)} WHERE id = 1), "
        f"(SELECT token FROM {qn(CatalogueRevision._meta.db_table)} WHERE id = 1), "
        f"(SELECT token FROM {qn(CalendarRevision._meta.db_table)} WHERE id = 1), "
        "nextval(%s), "
        f"(SELECT base FROM {qn(EventNumberSequence._meta.db_table)} WHERE day = %s), "
        f"ARRAY(SELECT ARRAY[d.area_id, d.user_id] FROM ({posts_sql}) d)"
        f") t LEFT JOIN {area_table} a ON a.id = ANY({chain})"
    )
    return sql, tuple(roles)


def intake_reads(day: datetime.date, grid_id: int | None) -> IntakeReads:
    if connection.vendor != "postgresql":
        return IntakeReads()
    sql, roles = _intake_reads_sql()
    rows = fetch_prepared(sql, [EVENT_NUMBER_SEQUENCE, day, grid_id, *roles, grid_id])
    boundary, catalogue, calendar, drawn, base, posts = rows[0][:6]
    names = [f.attname for f in _area_columns()]
    areas = [Area.from_db(connection.alias, names, row[6:]) for row in rows if row[6] is not None]
    return IntakeReads(
        boundary=int(boundary or 0),
        catalogue=str(catalogue or ""),
        calendar=str(calendar or ""),
        drawn=(drawn, base),
        grid=_linked(areas, grid_id) if grid_id is not None else None,
        posts=tuple((int(a), int(u)) for a, u in posts or ()),
    )


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def intake_level() -> int:
    name = getattr(settings, "SHANZHI_EVENTS_INTAKE_LEVEL", "town")
    return INTAKE_LEVELS.get(name, Level.TOWN)


def grid_for_intake(grid_id: int) -> Area:
    """The grid with its parents linked up to the root, read in one query (areas whose path
    is a prefix of the grid's), boundaries left out (``_area_columns``)."""
    table = connection.ops.quote_name(Area._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in _area_columns())
    sql = (
        f"SELECT {columns} FROM {table} "  # noqa: S608 - our table and column names
        f"WHERE (SELECT g.path FROM {table} g WHERE g.id = %s) LIKE {table}.path || '%%'"
    )
    grid = _linked(Area.objects.raw(sql, [grid_id]), grid_id)
    if grid is None:
        raise Area.DoesNotExist(f"area {grid_id}")
    return grid


def _ancestors(grid: Area) -> list[Area]:
    """The grid's ancestors, deepest first: from the joined parent chain when it reaches the
    root (``grid_for_intake``), otherwise read."""
    parent_field = Area._meta.get_field("parent")
    chain: list[Area] = []
    node = grid
    while node.parent_id is not None and parent_field.is_cached(node):
        node = node.parent  # type: ignore[assignment]
        chain.append(node)
    if node.parent_id is None:
        return chain
    return list(
        Area.objects.filter(pk__in=grid.ancestor_ids()).defer("boundary").order_by("-level")
    )


def intake_area(grid: Area) -> Area:
    """The area first responsible for dispatch: the grid's ancestor at
    ``SHANZHI_EVENTS_INTAKE_LEVEL`` ("village", "town" — the default — or "district"), or
    its nearest ancestor above that level when the grid hangs higher (a dedicated grid)."""
    target = intake_level()
    ancestors = _ancestors(grid)
    for area in ancestors:  # deepest first
        if area.level <= target:
            return area
    return ancestors[-1] if ancestors else grid


def _locate(lon: Any, lat: Any, crs: str, revision: int | None) -> tuple[Any, list[str]]:
    """(the locate result or None, the location's errors)."""
    try:
        located = locate(lon, lat, crs=crs, revision=revision)
    except ValidationError as exc:
        return None, exc.messages
    if not located.inside:
        return located, [OUTSIDE_MESSAGE]
    return located, []


def _grid_id(located: Any) -> int | None:
    """The grid a point is reported in: its basic grid, or else its first other grid."""
    if located is None or not located.inside:
        return None
    return int((located.grid or located.other_grids[0]).id)


def _is_public_only(scope: Any) -> bool:
    """A member of the public: no post but the citizen's."""
    return not (scope.roles - {Role.CITIZEN}) and not scope.is_all


def event_report(
    *,
    actor: Any,
    channel: str,
    type: EventType | str | int,
    description: str,
    lon: Any,
    lat: Any,
    crs: str = coords.WGS84,
    title: str = "",
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    person: Person | None = None,
    attributes: Mapping[str, Any] | None = None,
    photos: Iterable[Any] = (),
    priority: int | None = None,
    solved_on_spot: bool = False,
    feedback: str = "",
    after_photos: Iterable[Any] = (),
) -> ReportResult:
    """Report an event. ``actor`` may be None only on public channels (the portal, Open311).

    Members of the public (no post, or only the citizen's) report on public channels and
    public types anywhere inside the system; officials need ``events.report`` and report in
    their own subtrees, on any channel. ``solved_on_spot`` (网格员自行处置, with ``feedback``
    and optional ``after_photos``) takes the event straight to 已反馈待核查.
    Errors: ValidationError keyed by field; PermissionDenied.
    """
    scope = scope_for(actor)
    public = actor is None or _is_public_only(scope)
    if actor is not None and not scope.can("events.report"):
        raise PermissionDenied(_("您没有上报事件的权限。"))
    now = timezone.now()
    # PostgreSQL: locate against this process's index first, then read the revision with
    # everything else (``intake_reads``), and locate again if the boundaries moved meanwhile.
    index = (cached_index() or grid_index()) if connection.vendor == "postgresql" else None
    located, location_errors = _locate(lon, lat, crs, index.revision if index else None)
    reads = intake_reads(timezone.localdate(now), _grid_id(located))
    if index is not None and reads.boundary != index.revision:
        located, location_errors = _locate(lon, lat, crs, reads.boundary)
        reads = dataclasses.replace(reads, grid=None, posts=None)
    errors: dict[str, list[str]] = {}
    phone, cleaned_attributes = "", {}
    if channel not in Channel.values:
        errors["channel"] = [_("未知的来源渠道。")]
    elif public and channel not in PUBLIC_CHANNELS:
        errors["channel"] = [_("群众只能通过群众上报渠道提交。")]
    event_type = active_subcategory(type, token=reads.catalogue)
    if event_type is None or (public and not event_type.is_open_to_public):
        errors["type"] = [_("未知的事件类型（请选择事件小类）。")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请描述事件情况。")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("不能超过 %(n)s 个字。") % {"n": MAX_DESCRIPTION}]
    try:
        phone = normalise_contact_phone(reporter_phone)
    except ValidationError as exc:
        errors["reporter_phone"] = exc.messages
    if priority is not None and priority not in Priority.values:
        errors["priority"] = [_("优先级无效。")]
    if solved_on_spot and not feedback.strip():
        errors["feedback"] = [_("请填写处置情况。")]
    if event_type is not None:
        try:
            cleaned_attributes = clean_attributes(event_type, attributes)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if location_errors:
        errors["location"] = location_errors
    grid_id = _grid_id(located)
    if errors or event_type is None or grid_id is None:
        raise ValidationError(errors)
    grid = reads.grid if reads.grid is not None else grid_for_intake(grid_id)
    if not public and not scope.contains_path(grid.path):
        raise PermissionDenied(_("该位置不在您的管辖范围内。"))
    if person is not None and (public or not scope.contains_path(person.grid.path)):
        raise ValidationError({"person": [_("关联人员不在您的管辖范围内。")]})
    prepared = attachments.attachments_prepare(photos)

    # A report with nothing but its rows (no photos, not solved on the spot) is one statement
    # on PostgreSQL (``core.insert``: the event, its timeline, audit and notification rows);
    # anything more, and SQLite's gapless number counter, need one transaction around it all.
    alone = connection.vendor == "postgresql" and not prepared and not solved_on_spot
    with contextlib.nullcontext() if alone else transaction.atomic():
        self_reported = channel in SELF_REPORTED_CHANNELS and actor is not None
        sealed = protection.seal_phone(phone)
        number = next_number(now, drawn=reads.drawn)
        query_code = new_query_code() if channel in QUERY_CODE_CHANNELS else ""
        clock = deadlines.start_clock(
            event_type,
            workflow.STEP_OF_STATE[workflow.REPORTED],
            now,
            calendar=None if reads.calendar is None else work_calendar(reads.calendar),
        )
        handling_area = intake_area(grid)
        event = Event(
            number=number,
            query_code_index=query_code_index(number, query_code) if query_code else "",
            type=event_type,
            title=(title or "").strip()[:100] or description[:30],
            description=description,
            channel=channel,
            state=workflow.REPORTED,
            priority=priority or event_type.priority,
            grid=grid,
            lon=located.lon,
            lat=located.lat,
            address=(address or "").strip()[:200],
            reporter=actor if self_reported else None,
            reporter_name=(reporter_name or "").strip()[:50]
            or (actor.display_name if self_reported else ""),
            reporter_phone_enc=sealed.enc,
            reporter_phone_index=sealed.index,
            reporter_phone_masked=sealed.masked,
            person=person,
            attributes=cleaned_attributes,
            handling_area=handling_area,
            reported_at=now,
            **clock.as_fields(),
        )
        entry = timeline_entry(
            event=event,
            actor=actor,
            transition="report",
            from_state="",
            to_state=workflow.REPORTED,
            data={
                "channel": channel,
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
                **({"calendar_warning": clock.calendar_warning} if clock.calendar_warning else {}),
            },
            at=now,
        )
        audit = audit_entry(
            action="events.report", actor=actor, obj=event, detail={"channel": channel}
        )
        notes = (
            []
            if solved_on_spot
            else notification_rows(
                event=event,
                subject=_("新事件 %(n)s：%(t)s") % {"n": number, "t": event_type.name},
                body=description[:200],
                user_ids=dispatcher_ids(handling_area)
                if reads.posts is None
                else nearest_dispatchers(handling_area, reads.posts),
                exclude=actor,
            )
        )
        insert_together(
            event,
            [
                Dependents([entry], {"event_id": "id"}),
                Dependents([audit], {"object_id": "text"}),
                Dependents(notes, {"event_id": "id"}),
            ],
        )
        deliver_after_commit(notes)
        stored = attachments.attachments_store(
            event=event,
            prepared=prepared,
            kind=AttachmentKind.REPORT,
            actor=actor,
            entry=entry,
            now=now,
        )
        if solved_on_spot:
            try:
                event = event_transition(
                    actor=actor,
                    event=event,
                    transition="solve_on_spot",
                    version=event.version,
                    comment=feedback,
                    photos=list(after_photos),
                )
            except Exception:
                attachments.attachment_files_delete(stored)
                raise
    fresh = not stored and not solved_on_spot
    return ReportResult(event=event, query_code=query_code, entry=entry if fresh else None)
