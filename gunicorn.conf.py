"""gunicorn settings read from the project folder (gunicorn loads ./gunicorn.conf.py by default; elsewhere pass
`-c /path/to/gunicorn.conf.py`). Only what the app relies on is set here; workers and the bind address stay on the
command line (docs/deployment.md)."""

# gunicorn refuses a request line over 4,094 bytes with its own HTML "414 URI Too Long" page. The app answers an
# over-long query string itself (tracker.validation.MAX_QUERY, 8 KiB), with the API's JSON error (400), so the line
# limit is lifted here; the reverse proxy in front keeps its own (nginx: 8 KiB).
limit_request_line = 0
