"""Templates an administrator has hidden from the lists (presets that do not fit the company)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class HiddenTemplate(db.Model):
    """A template code left out of the template lists and the assignment choices; its versions stay stored."""

    __tablename__ = "hidden_templates"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime]
