"""scipy.stats, imported the first time a statistic is asked for rather than when a module is loaded: it takes
most of a second to import, and the window has something to show before any test is needed."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any


class _LazyStats:
    _module: ModuleType | None = None

    def __getattr__(self, name: str) -> Any:
        if _LazyStats._module is None:
            from scipy import stats as module

            _LazyStats._module = module
        return getattr(_LazyStats._module, name)


if TYPE_CHECKING:  # checked as scipy.stats itself (scipy-stubs), loaded lazily at run time
    from scipy import stats as stats
else:
    stats = _LazyStats()  # use as scipy.stats: stats.norm.sf(…), stats.binomtest(…)
