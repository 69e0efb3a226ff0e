"""Exact decimal helpers: compute unrounded, round half up to 2 places only at the boundary."""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

VALUE_PLACES = Decimal("0.0001")  # a measured value as stored and shown: four places (a share's hundredths of a %)


def D(value):
    """int, str or Decimal -> Decimal; a float is taken by its shortest repr (YAML and JSON give floats)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr(0.95) == "0.95": the literal as written in the template, not the binary approximation
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"not a number: {value!r}")


# Scores are fractions with small denominators (a rater's 100·sum/35, means over raters and groups, Q over the sum of
# maxima, weights in tenths and hundredths), computed in 28 significant digits: a repeating decimal is cut off there,
# so an exact 86.175 may arrive as 86.17499999999999999999999999. Rounding first to 20 places gives back the exact
# value (the cut costs at most about 1e-25; two such fractions that differ differ by far more than 1e-20), then half
# up to 2 places rounds what the contract's exact arithmetic gives.
EXACT = Decimal("1e-20")
_WIDE = Context(prec=60)


def round2(value):
    """Round half up to 2 decimals (the stored and shown form) the value the exact arithmetic stands for; None
    stays None."""
    if value is None:
        return None
    value = D(value)
    if value.is_finite():
        value = value.quantize(EXACT, rounding=ROUND_HALF_EVEN, context=_WIDE)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ceil(value):
    """Smallest integer >= value, as Decimal."""
    return value.to_integral_value(rounding=ROUND_CEILING)


def floor(value):
    """Largest integer <= value, as Decimal."""
    return value.to_integral_value(rounding=ROUND_FLOOR)


def clamp(value, lo=None, hi=None):
    """Bound value to [lo, hi]; None means unbounded on that side."""
    if lo is not None and value < lo:
        return lo
    if hi is not None and value > hi:
        return hi
    return value


def mean(values):
    """Exact mean of Decimals; None for no values."""
    values = list(values)
    return sum(values, ZERO) / len(values) if values else None


def fmt(value, places=2, rounding=ROUND_HALF_UP):
    """Decimal for explanations: rounded half up (or as `rounding` says) to `places`, trailing zeros dropped (12,
    12.5, 94.74)."""
    value = D(value).quantize(Decimal(1).scaleb(-places), rounding=rounding)
    if value == 0:
        return "0"  # never "-0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_signed(value):
    """Points as a change: "+2", "-2", "0"."""
    return ("+" if value > 0 else "") + fmt(value)


def fmt_pct(share, rounding=ROUND_HALF_UP):
    """A share (0.95) as a percentage number for explanations ("95")."""
    return fmt(share * HUNDRED, rounding=rounding)


def band_lookup(value, bands):
    """First (threshold, result) with value >= threshold, bands in descending order; None when below all."""
    for threshold, result in bands:
        if value >= threshold:
            return threshold, result
    return None


def mean_of_groups(pairs, weights=None):
    """(group, Decimal) pairs -> mean of the group means, so one crowded group cannot outweigh another;
    with weights ({group: w}) the weighted mean of the group means present."""
    groups = {}
    for group, value in pairs:
        groups.setdefault(group, []).append(value)
    if not weights:
        return mean(mean(values) for values in groups.values())
    total = sum((weights[group] for group in groups), ZERO)
    return sum((weights[group] * mean(values) for group, values in groups.items()), ZERO) / total
