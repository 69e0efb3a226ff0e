"""Errors the scoring package raises; both are ValueErrors carrying a readable message."""


class TemplateError(ValueError):
    """A template dict that does not describe a valid template; the message names the offending path."""


class FactsError(ValueError):
    """Facts that do not fit the fact contract or the template (unknown category, rating out of scale)."""
