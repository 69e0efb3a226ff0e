"""WSGI entry of the two-worker gunicorn test: the real app, each answer labelled with the worker that gave it."""

import os

from tracker import create_app

app = create_app()


def labelled(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, headers + [("X-Worker-Pid", str(os.getpid()))], exc_info)

    return app(environ, start)
