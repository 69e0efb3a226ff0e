"""Errors the scoring package raises; both are ValueErrors carrying a readable message."""


class TemplateError(ValueError):
    """A template dict that does not describe a valid template.

    `errors` maps each offending field path ("indicators[2].params.bands[1][1]", "" for the whole template) to
    its message, so an editor can show every problem next to its field; str() lists them as "path: message".
    """

    def __init__(self, errors, path=""):
        if isinstance(errors, str):
            errors = {path: errors}
        self.errors = dict(errors)
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in self.errors.items()))


class FactsError(ValueError):
    """Facts that do not fit the fact contract or the template (unknown category, rating out of scale)."""
