"""Every model, imported in one place so migrations and create_all see them all."""

from tracker.audit import AuditEvent  # noqa: F401
from tracker.auth.models import ApiToken, User  # noqa: F401
from tracker.itinerary.models import Attendance, CalendarDay, Expense, MonthSubmission, Trip  # noqa: F401
from tracker.workorders.models import Customer, WorkOrder  # noqa: F401
from tracker.jobs import JobRun  # noqa: F401
