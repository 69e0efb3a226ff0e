"""HTML to PDF with WeasyPrint: the print page's own HTML and stylesheet, with the fonts of the system (Noto CJK)."""

import mimetypes
import os
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from tracker.errors import DomainError


class PdfUnavailable(DomainError):
    """WeasyPrint or the system libraries it needs (Pango) are missing on this server."""

    status = 503
    code = "pdf_unavailable"


def _static_fetcher(weasyprint, static_folder):
    """A fetcher that serves /static/... from the static folder and nothing else: a sheet makes no request."""
    root = os.path.realpath(static_folder)

    class StaticOnly(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            if path.startswith("/static/"):
                target = os.path.realpath(os.path.join(root, path[len("/static/"):]))
                if target.startswith(root + os.sep) and os.path.isfile(target):
                    with open(target, "rb") as handle:
                        body = handle.read()
                    kind = mimetypes.guess_type(target)[0] or "application/octet-stream"
                    return weasyprint.urls.URLFetcherResponse(url, body, {"Content-Type": kind})
            raise ValueError(f"not fetched: {url}")

    return StaticOnly()


def render_pdf(html, base_url):
    """The PDF bytes of an HTML page (its stylesheets read from static/)."""
    try:
        import weasyprint
        import weasyprint.urls
    except (ImportError, OSError) as error:  # OSError: Pango or its friends not installed
        current_app.logger.warning("PDF rendering unavailable: %s", error)
        raise PdfUnavailable(_("此服务器无法生成 PDF，请使用打印页面")) from None
    from tracker.sheets.fonts import embed_truetype  # with WeasyPrint's own font libraries

    fetcher = _static_fetcher(weasyprint, current_app.static_folder)
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(finisher=embed_truetype)
