"""Domain errors raised by services; views and the API map them onto forms and JSON."""


class DomainError(Exception):
    """A request that the rules refuse; carries an HTTP status and a code."""

    status = 400
    code = "bad_request"

    def __init__(self, message, fields=None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def to_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class Invalid(DomainError):
    """Valid shape, invalid values (422)."""

    status = 422
    code = "invalid"

    @classmethod
    def field(cls, name, message, **extra):
        return cls(message, {name: message}, **extra)


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class Unsupported(DomainError):
    status = 415
    code = "unsupported_media_type"


class Busy(DomainError):
    """The database is busy with another writer (SQLite: one at a time) for longer than the busy timeout (503)."""

    status = 503
    code = "busy"
    retry_after = 5
