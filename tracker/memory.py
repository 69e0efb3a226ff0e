"""Long in-memory passes (an import, a month's scores) and Python's cycle collector."""

import contextlib
import gc


@contextlib.contextmanager
def no_cycle_collection():
    """Pause the cycle collector for one long pass over many short-lived objects.

    The collector runs every few hundred allocations and, as the heap grows, walks the objects a pass holds again
    and again (40% of an import of 20,000 work orders, a quarter to a third of computing 2,000 engineers' month),
    though such a pass makes no cycles worth collecting: reference counting frees its objects. It runs as usual
    afterwards. Process-wide but brief; of overlapping passes, the one that turned it off turns it on again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
