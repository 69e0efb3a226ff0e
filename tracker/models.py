"""Every model, imported in one place so migrations and create_all see them all."""

from tracker.audit import AuditEvent  # noqa: F401
from tracker.auth.models import ApiToken, AuthSession, LoginAttempt, User  # noqa: F401
from tracker.itinerary.models import Attendance, CalendarDay, Expense, MonthSubmission, Trip  # noqa: F401
from tracker.workorders.models import WorkOrder  # noqa: F401
from tracker.customers.models import Customer  # noqa: F401
from tracker.equipment import Equipment  # noqa: F401
from tracker.jobs import JobRun  # noqa: F401
from tracker.workorders.models import Complaint, Photo, Scan, Survey  # noqa: F401
from tracker.notifications.models import Notification  # noqa: F401
from tracker.scores.models import Adjustment, Interview, KpiTemplate, PeriodScore, Score, ScoreLine, Veto  # noqa: F401
from tracker.reviews.models import Incident, MetricEntry, Rating, Review  # noqa: F401
from tracker.editor.models import HiddenTemplate  # noqa: F401
from tracker.notifications.outbox import OutboxMessage  # noqa: F401
from tracker.reviews.requests import ReviewRequest  # noqa: F401
from tracker.notifications.robots import ChatRobot  # noqa: F401
from tracker.notifications import robot_send  # noqa: F401  (the robots' outbox senders)
