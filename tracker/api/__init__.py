"""HTTP API v1: JSON in and out, bearer tokens, described by /api/v1/openapi.json.

Each module adds its routes to the one blueprint defined in core; importing them here registers them.
"""

from tracker.api import (approval, itinerary, openapi, people, quality, reviews, scores, summaries,  # noqa: F401
                         templates,
                         tokens,
                         workorders)
from tracker.api.core import bp  # noqa: F401
