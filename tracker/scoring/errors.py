"""Errors the scoring package raises; both are ValueErrors carrying a readable message."""


class Said(str):
    """A message in English (the str itself) that also carries its Chinese wording, `zh` (None: English only)."""

    zh = None

    def __new__(cls, en, zh=None):
        said = super().__new__(cls, en)
        said.zh = zh
        return said

    def in_language(self, lang):
        return self.zh if lang == "zh" and self.zh else str(self)


class TemplateError(ValueError):
    """A template dict that does not describe a valid template.

    `errors` maps each offending field path ("indicators[2].params.bands[1][1]", "" for the whole template) to
    its message, so an editor can show every problem next to its field; str() lists them as "path: message" in
    English, messages(lang) gives them in the reader's language.
    """

    def __init__(self, errors, path=""):
        if isinstance(errors, str):
            errors = {path: errors}
        self.errors = dict(errors)
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in self.errors.items()))

    def messages(self, lang):
        """{path: message} in lang ("zh" or "en"; English where a message has no Chinese wording)."""
        return {path: message.in_language(lang) if isinstance(message, Said) else str(message)
                for path, message in self.errors.items()}


class FactsError(ValueError):
    """Facts that do not fit the fact contract or the template (unknown category, rating out of scale). A record
    a template change left unscorable is said as a Said, which names it in the reader's language too."""

    def in_language(self, lang):
        said = self.args[0] if self.args else ""
        return said.in_language(lang) if isinstance(said, Said) else str(said)
