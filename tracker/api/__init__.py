"""HTTP API v1: JSON in and out, bearer tokens, described by /api/v1/openapi.json.

Each module adds its routes to the one blueprint defined in core; importing them here registers them.
"""

# One module a line, so that features added side by side don't collide here.
from tracker.api import (  # noqa: F401
    approval,
    equipment,
    imports,
    itinerary,
    openapi,
    people,
    quality,
    reviews,
    scores,
    summaries,
    templates,
    tokens,
    workorders,
)
from tracker.api.core import bp  # noqa: F401
