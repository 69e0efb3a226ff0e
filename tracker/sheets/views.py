"""Print pages and PDFs of the appraisal sheet (考核表): one engineer, a whole team, mid-year and annual."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import language
from tracker.auth.access import engineer_for_scores, roles
from tracker.downloads import disposition
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.scores import services as scores, yearly
from tracker.scores.models import Score
from tracker.security import Response
from tracker.sheets import presenter, summaries, workbooks
from tracker.sheets.pdf import render_pdf
from tracker.validation import download_name
from tracker.scoring.month import Month

bp = Blueprint("sheets", __name__, url_prefix="/sheets")

VIEWERS = ("engineer", "manager", "gm", "admin")
TEAM_VIEWERS = ("manager", "gm", "admin")
PERIODS = ("mid-year", "annual")
# Download names, in Chinese whatever the reader's language, as the monthly sheet's "<YYYY-MM><name>考核表.pdf"
PERIOD_FILES = {"mid-year": "年中考核表", "annual": "年度考核表"}


@bp.app_context_processor
def helpers():
    return {"status_label": presenter.status_label}


def _period(period):
    if period not in PERIODS:
        raise NotFound(_("期间须为 mid-year 或 annual"))
    return period


def _engineer(username):
    return engineer_for_scores(current_user._get_current_object(), username)


def team_engineers(viewer, month_list, team=None):
    """The engineers whose sheets a team print holds: in the viewer's scope (and under `team`), assessed: as their
    stored score says where there is one (an approved score stays what it was when a hire date is corrected since),
    else by hire date and early confirmation."""
    people = summaries.people(viewer, month_list, team)
    stored = {}
    for engineer_id, month, eligible in db.session.execute(select(Score.engineer_id, Score.month, Score.eligible).where(
            Score.month.in_(month_list), Score.engineer_id.in_([p.id for p in people]))):
        stored[(engineer_id, str(month))] = eligible

    def assessed(person, month):
        key = (person.id, str(month))
        return stored[key] if key in stored else scores.is_eligible(person, month)

    # a month: who is assessed in it; a period: whoever is assessed in a month of it
    return [p for p in people if any(assessed(p, month) for month in month_list)]


def _respond(as_pdf, sheets, title, filename, back_url, pdf_endpoint, **pdf_args):
    """The print page, or (as_pdf) the same HTML rendered as PDF, named `filename` = (Chinese name, ASCII name)."""
    html = render_template("sheets/print.html", sheets=sheets, title=title, pdf=as_pdf, back_url=back_url,
                           pdf_url=url_for(pdf_endpoint, **pdf_args))
    if not as_pdf:
        return html
    body = render_pdf(html, request.url_root)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = disposition(*filename)
    return response


@bp.route("/<month:month>/<username>")
@bp.route("/pdf/<month:month>/<username>", endpoint="month_sheet_pdf", defaults={"as_pdf": True})
@roles(*VIEWERS)
def month_sheet(month, username, as_pdf=False):
    """One engineer's month as an A4 sheet with signature lines."""
    engineer = _engineer(username)
    sheet = presenter.month_sheet(engineer, month, language.current())
    return _respond(as_pdf, [sheet], f"{sheet.title} {engineer.display_name} {month}",
                    (f"{month}{download_name(engineer.display_name)}考核表.pdf", f"{month}-{username}-sheet.pdf"),
                    url_for("scores.score_page", month=month, username=username), "sheets.month_sheet_pdf",
                    month=month, username=username)


@bp.route("/<month:month>")
@bp.route("/pdf/<month:month>", endpoint="team_sheets_pdf", defaults={"as_pdf": True})
@roles(*TEAM_VIEWERS)
def team_sheets(month, as_pdf=False):
    """Every assessed engineer of the viewer's team (or ?team=<manager>) in one go, one sheet per page."""
    team = request.args.get("team") or None
    people = team_engineers(current_user._get_current_object(), [month], team)
    lang = language.current()
    sheets = [presenter.month_sheet(person, month, lang) for person in people]
    args = {"month": month, **({"team": team} if team else {})}
    return _respond(as_pdf, sheets, _("%(month)s 月度考核表", month=month),
                    (f"{month}考核表.pdf", f"{month}-sheets.pdf"),
                    url_for("scores.month_page", month=month), "sheets.team_sheets_pdf", **args)


@bp.route("/<year:year>/mid-year/<username>", defaults={"period": "mid-year"})
@bp.route("/<year:year>/annual/<username>", defaults={"period": "annual"})
@bp.route("/pdf/<year:year>/mid-year/<username>", endpoint="period_sheet_pdf",
          defaults={"period": "mid-year", "as_pdf": True})
@bp.route("/pdf/<year:year>/annual/<username>", endpoint="period_sheet_pdf", defaults={"period": "annual", "as_pdf": True})
@roles(*VIEWERS)
def period_sheet(year, period, username, as_pdf=False):
    """An engineer's mid-year or annual sheet: the months' totals, their mean, signature lines."""
    period = _period(period)
    engineer = _engineer(username)
    sheet = presenter.period_sheet(engineer, year, period)
    return _respond(as_pdf, [sheet], f"{sheet.title} {engineer.display_name}",
                    (f"{year}{download_name(engineer.display_name)}{PERIOD_FILES[period]}.pdf",
                     f"{year}-{username}-{period}-sheet.pdf"),
                    url_for("scores.scores_home"), "sheets.period_sheet_pdf", year=year, period=period,
                    username=username)


@bp.route("/<year:year>/mid-year", defaults={"period": "mid-year"})
@bp.route("/<year:year>/annual", defaults={"period": "annual"})
@bp.route("/pdf/<year:year>/mid-year", endpoint="team_period_sheets_pdf", defaults={"period": "mid-year", "as_pdf": True})
@bp.route("/pdf/<year:year>/annual", endpoint="team_period_sheets_pdf", defaults={"period": "annual", "as_pdf": True})
@roles(*TEAM_VIEWERS)
def team_period_sheets(year, period, as_pdf=False):
    """The team's mid-year or annual sheets, one per page."""
    period = _period(period)
    key = yearly.period_key(period)
    month_list = [Month.from_parts(year, m) for m in presenter.periods.PERIODS[key]]
    team = request.args.get("team") or None
    people = team_engineers(current_user._get_current_object(), month_list, team)
    sheets = [presenter.period_sheet(person, year, period) for person in people]
    title = sheets[0].title if sheets else _("考核表")
    args = {"year": year, "period": period, **({"team": team} if team else {})}
    return _respond(as_pdf, sheets, f"{year} {title}",
                    (f"{year}{PERIOD_FILES[period]}.pdf", f"{year}-{period}-sheets.pdf"),
                    url_for("scores.scores_home"), "sheets.team_period_sheets_pdf", **args)


# ---- workbooks ------------------------------------------------------------------------------------

@bp.route("/xlsx/<month:month>")
@roles(*TEAM_VIEWERS)
def month_workbook(month):
    """The month's team summary workbook (the same as GET /api/v1/summaries/{month}.xlsx)."""
    summary = summaries.month_summary(current_user._get_current_object(), month,
                                      request.args.get("team") or None)
    return workbooks.month_download(summary)


@bp.route("/xlsx/<year:year>/mid-year", defaults={"period": "mid-year"})
@bp.route("/xlsx/<year:year>/annual", defaults={"period": "annual"})
@roles(*TEAM_VIEWERS)
def period_workbook(year, period):
    """The mid-year or annual team summary workbook."""
    summary = summaries.period_summary(current_user._get_current_object(), year, period,
                                       request.args.get("team") or None)
    return workbooks.period_download(summary)
