"""Display names seen in mail, as checkpoints: each address's newest sighting and newest named one.

The alerts match a champion by the name known on each day: the newest display name seen within
the engagement horizon (``scoring.alert_days.name_spans``). Of an address's sightings before a
run only the newest named one can still hold on the run's days (an older one ends where the
next begins), and only the newest sighting says whether the address was seen within the
horizon at all. So instead of a year of ``people`` rows a run reads one checkpoint (at most two
rows per address) at the end of the day before it, and writes one at the end of its last day.
No Dagster here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.warehouse import Warehouse

STATE_TABLE = "people_seen_state"
COLUMNS = ["as_of", "address", "name"]


def newest_sightings(seen: pd.DataFrame) -> pd.DataFrame:
    """(as_of, address, name) rows, oldest first, reduced to each address's newest named row and newest row."""
    named = seen.dropna(subset=["name"]).drop_duplicates("address", keep="last")
    newest = seen.drop_duplicates("address", keep="last")
    both = pd.concat([named, newest], ignore_index=True).drop_duplicates()
    return both.sort_values(["as_of", "address"], kind="stable", ignore_index=True)


def names_seen(
    warehouse: Warehouse, days: list[date], people: pd.DataFrame, horizon_days: int, *, checkpoint: bool = True
) -> pd.DataFrame:
    """(as_of, address, name) sightings from ``horizon_days`` before the run's first day to its last, oldest first.

    Before the run: the checkpoint of the day before it where there is one (each address's newest
    rows only, which name every address and every name that can still hold), else the ``people``
    rows themselves (always with ``checkpoint=False``: a horizon longer than checkpoints keep);
    then the run's own ``people`` rows.
    """
    start, yesterday = (days[0] - timedelta(days=horizon_days)).isoformat(), (days[0] - timedelta(days=1)).isoformat()
    if checkpoint and warehouse.latest_partition_before(STATE_TABLE, days[0].isoformat()) == yesterday:
        earlier = warehouse.read(STATE_TABLE, [yesterday]).drop(columns="as_of").rename(columns={"seen_on": "as_of"})
    else:
        earlier = warehouse.read("people", start=start, end=yesterday, columns=COLUMNS)
    earlier = earlier.loc[earlier["as_of"] >= start, COLUMNS]
    both = pd.concat([earlier, people[COLUMNS]], ignore_index=True)
    return both.drop_duplicates().sort_values(["as_of", "address"], kind="stable", ignore_index=True)


def write_names_checkpoint(
    warehouse: Warehouse, days: list[date], seen: pd.DataFrame, horizon_days: int, keep: int
) -> None:
    """Store the newest sightings at the end of the run's last day (those a later run can still use)."""
    last = days[-1]
    oldest = (last + timedelta(days=1) - timedelta(days=horizon_days)).isoformat()
    state = newest_sightings(seen)
    state = state[state["as_of"] >= oldest].rename(columns={"as_of": "seen_on"}).assign(as_of=last.isoformat())
    warehouse.write_checkpoint(STATE_TABLE, state, invalidate_from=days[0].isoformat(), keep=keep)
