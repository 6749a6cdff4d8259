"""Frames that two assets of one run both derive, computed once per run and process.

``account_scores`` and ``alerts`` both need the run's pair spans and who each address is
(seconds each at 20,000 accounts). With the in-process executor (the CLI, ``make demo``) the
steps of a run share one resource instance, so the second step reuses the first one's frames;
a step in its own process (the multiprocess executor) computes them itself. Values are keyed by
the run and never outlive it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import dagster as dg
from pydantic import PrivateAttr


class RunMemo(dg.ConfigurableResource):
    """A per-run memo: :meth:`get` computes a value the first time a run asks for its key."""

    _run_id: str | None = PrivateAttr(default=None)
    _values: dict = PrivateAttr(default_factory=dict)

    def get(self, run_id: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        if run_id != self._run_id:  # a new run: nothing from an earlier one is reused
            self._values.clear()
            self._run_id = run_id
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]

    def release(self, run_id: str, key: Hashable) -> None:
        """Forget ``key`` once its last reader in the run has it (frames are large)."""
        if run_id == self._run_id:
            self._values.pop(key, None)
