"""The demo data set."""


def load():
    return "no demo data yet"
