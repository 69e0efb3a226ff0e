"""The fact contract: the plain dict the app builds per person and month for evaluate(); names and shapes.

Every key is optional; a missing one reads as "nothing recorded" (all present, 0 hours, no orders...).
Numbers are int (counts) or Decimal (hours, money, points, plan/actual); ids are the database ids the UI links
to and are passed through untouched into each indicator's `record_ids`. Which records count (cancelled orders,
the month, `as_of`) is decided by the service that builds the facts, as CONTRACT.md section 7 describes.

Record-derived facts (default template, CONTRACT.md section 7):
    attendance       AttendanceFact
    field_hours      Decimal, the month's field hours (section 3)
    trip_ids         list[int], the month's trips (the records behind the field hours)
    expenses         Decimal, the month's expenses in CNY
    expense_ids      list[int], the month's expenses
    response         ResponseFact
    on_time          OnTimeFact
    as_of            datetime, the instant the month is measured at (business-hours templates)
    workdays         dict[date, bool], the work calendar around the orders' times (business-hours templates;
                     a date it lacks counts as a workday Monday to Friday)
    rework_external  ReworkFact (external 外返)
    rework_internal  ReworkFact (internal 内返)
    satisfaction     SatisfactionFact
    complaints       ComplaintsFact (complaint handling: satisfied with the resolution)

Entered facts, for what no record can tell (keyed by indicator code unless the template's source names a key):
    incidents        list[Incident]: events a manager records ("phone not answered", −2)
    metrics          dict[str, MetricEntry]: plan vs actual (labour-hour output 计划/实际), or a plain actual
    ratings          dict[str, list[Rating]]: manual ratings or points per indicator, by rater group

Totals:
    reviews          list[Review]: qualitative reviews (self / leader / peer)
    adjustments      list[Adjustment]: proposed and approved bonus or penalty points
    veto             bool: 一票否决 recorded for the month
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, TypedDict

STATUSES = ("present", "late", "early_leave", "absent", "personal_leave", "sick_leave", "annual_leave",
            "business_trip")
GROUPS = ("self", "leader", "peer")


class AttendanceFact(TypedDict, total=False):
    """Workdays per attendance status; day_ids are the attendance records with a status other than present."""

    counts: dict[str, int]
    day_ids: list[int]


class ResponseFact(TypedDict, total=False):
    """Assigned orders answered within the limit, outside it (incl. overdue unanswered), and not yet due."""

    within: int
    outside: int
    pending: int
    outside_ids: list[int]
    limit_seconds: int                 # the response limit (2 h)
    orders: list[dict]                 # {id, reported_at, responded_at}: for measuring in business hours


class OnTimeFact(TypedDict, total=False):
    """Late orders with a deadline in the month; has_deadline says whether any order's deadline falls in it."""

    late_ids: list[int]
    has_deadline: bool
    orders: list[dict]                 # {id, deadline_at, completed_at}: for measuring in business hours


class ReworkFact(TypedDict, total=False):
    """Rework orders charged to the person (unit_ids) and the orders they completed in the month."""

    unit_ids: list[int]
    completed: int


class SatisfactionFact(TypedDict, total=False):
    """Surveys of orders completed in the month: total, good ones (score ≥ 4), ids of the others; upheld complaints."""

    surveys: int
    good: int
    low_ids: list[int]
    upheld_complaint_ids: list[int]


class ComplaintsFact(TypedDict, total=False):
    """Complaints against the person in the month and how many ended with the customer satisfied."""

    total: int
    satisfied: int
    unsatisfied_ids: list[int]


class Incident(TypedDict, total=False):
    """A recorded event: indicator code, the template's category, the chosen amount for ranged categories."""

    id: int
    indicator: str
    category: str
    date: str
    amount: Decimal
    note: str


class MetricEntry(TypedDict, total=False):
    """A measured quantity: actual, with plan when it is a completion rate (actual / plan)."""

    id: int
    actual: Decimal
    plan: Decimal


class Rating(TypedDict, total=False):
    """One rater's judgement of an indicator: a scale level code (rating) or points (manual)."""

    id: int
    group: Literal["self", "leader", "peer"]
    level: str
    points: Decimal


class Review(TypedDict, total=False):
    """A qualitative review: the rater's group (decided by who the rater is) and 0–5 per criterion code."""

    id: int
    group: Literal["self", "leader", "peer"]
    ratings: dict[str, int]


class Adjustment(TypedDict, total=False):
    """Signed points with a reason; only approved ones count."""

    id: int
    points: Decimal
    approved: bool


class Facts(TypedDict, total=False):
    """Everything evaluate() reads for one person and month."""

    month: str  # "YYYY-MM": a quarterly indicator counts in quarter-end months only (absent: every month)
    attendance: AttendanceFact
    field_hours: Decimal
    expenses: Decimal
    response: ResponseFact
    on_time: OnTimeFact
    as_of: datetime
    workdays: dict[date, bool]
    rework_external: ReworkFact
    rework_internal: ReworkFact
    satisfaction: SatisfactionFact
    complaints: ComplaintsFact
    incidents: list[Incident]
    metrics: dict[str, MetricEntry]
    ratings: dict[str, list[Rating]]
    reviews: list[Review]
    adjustments: list[Adjustment]
    veto: bool
