"""scipy.stats and scipy.special, each imported the first time it is used rather than when a module is loaded:
scipy.stats takes most of a second to import (scipy.special about a tenth), and the window has something to show,
and a command its table, before any test is needed."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


if TYPE_CHECKING:  # checked as the modules themselves (scipy-stubs), loaded lazily at run time
    from scipy import special as special
    from scipy import stats as stats
else:
    stats = _LazyModule("scipy.stats")  # use as scipy.stats: stats.norm.sf(…), stats.binomtest(…)
    special = _LazyModule("scipy.special")  # use as scipy.special: special.ndtr(…)
