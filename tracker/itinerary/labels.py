"""The names of attendance statuses in the reader's language: the grid, the itinerary and a score's records."""

from flask_babel import lazy_gettext as _l

ATTENDANCE_LABELS = {
    "present": _l("出勤"),
    "late": _l("迟到"),
    "early_leave": _l("早退"),
    "absent": _l("旷工"),
    "personal_leave": _l("事假"),
    "sick_leave": _l("病假"),
    "annual_leave": _l("年假"),
    "business_trip": _l("出差"),
}
