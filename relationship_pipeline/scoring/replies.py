"""Which emails the other side answered, and when (seed 001: responsiveness and open items).

A *message* here is one email on one account in one direction: our email to their people
(``outbound``) or their email to ours (``inbound``), from the pair touches with weight > 0
(machine-written mail is no message and no answer). An email to several of their people is one
outbound message, answered by the first of them to write back.

**The answer rule.** A message on pair (ours, theirs) is answered by the other side's next email
on the same pair

* in the same thread (``thread_id``: References' root, else In-Reply-To, else the Message-ID), or
* in any thread, within ``reply_window_days`` (mail without threading headers, and a reply
  that starts a new thread);

``answered_at`` is the earliest such answer over the message's pairs, NaT while unanswered. A
later email answers every unanswered message before it on the pair, so two of their emails in a
row are both answered by our one reply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.scoring.account_scores import UNASSIGNED

MESSAGE_KEYS = ["interaction_id", "account_id", "direction"]
_NEVER = np.iinfo("int64").max


def answered_messages(touches: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """One row per message (interaction × account × direction): ``occurred_at`` and ``answered_at``.

    ``touches``: PAIR_TOUCHES over every day that can hold a message or its answer, sorted or not.
    """
    t = touches.loc[
        touches["channel"].eq("email").fillna(False)
        & touches["direction"].isin(["outbound", "inbound"])
        & (touches["weight"].astype("float64") > 0).fillna(False)
        & touches["account_id"].notna()
        & touches["account_id"].ne(UNASSIGNED).fillna(False)
    ]
    if t.empty:
        return pd.DataFrame(
            {
                "interaction_id": pd.Series(dtype="string"),
                "account_id": pd.Series(dtype="string"),
                "direction": pd.Series(dtype="string"),
                "occurred_at": pd.Series(dtype="datetime64[ns, UTC]"),
                "answered_at": pd.Series(dtype="datetime64[ns, UTC]"),
            }
        )
    at = pd.to_datetime(t["occurred_at"], utc=True).to_numpy(dtype="datetime64[ns]").astype("int64")
    inbound = t["direction"].eq("inbound").to_numpy(dtype=bool)
    pair = pd.MultiIndex.from_arrays(
        [t["internal_address"].to_numpy(dtype=object), t["external_address"].to_numpy(dtype=object)]
    ).factorize()[0]
    thread = t["thread_id"].to_numpy(dtype=object)
    no_thread = pd.isna(thread)
    thread_code = pd.factorize(np.where(no_thread, None, thread))[0]
    # a message without a thread is a thread of its own
    thread_code = np.where(no_thread, thread_code.max(initial=-1) + 1 + np.arange(len(t)), thread_code)

    in_thread = _next_opposite(np.stack([pair, thread_code]), at, inbound)
    on_pair = _next_opposite(pair[None, :], at, inbound)
    window = int(config.reply_window_days) * 86_400 * 10**9
    on_pair = np.where(on_pair - at <= window, on_pair, _NEVER)
    answer = np.minimum(in_thread, on_pair)

    msgs = pd.DataFrame(
        {
            "interaction_id": t["interaction_id"].to_numpy(dtype=object),
            "account_id": t["account_id"].to_numpy(dtype=object),
            "direction": t["direction"].to_numpy(dtype=object),
            "occurred_at": at,
            "answered_at": answer,
        }
    )
    msgs = msgs.groupby(MESSAGE_KEYS, as_index=False, sort=True).agg(
        occurred_at=("occurred_at", "min"), answered_at=("answered_at", "min")
    )
    for col in ("occurred_at", "answered_at"):
        values = msgs[col].to_numpy()
        stamps = np.where(values == _NEVER, np.datetime64("NaT"), values.astype("datetime64[ns]"))
        msgs[col] = pd.to_datetime(stamps, utc=True)
    for col in MESSAGE_KEYS:
        msgs[col] = msgs[col].astype("string")
    return msgs


def _next_opposite(groups: np.ndarray, at: np.ndarray, inbound: np.ndarray) -> np.ndarray:
    """For each touch, the time of the first later touch of the other direction in its group
    (rows of ``groups`` are the group keys), ``_NEVER`` where none. Same-time touches are ordered
    outbound first, so an answer never precedes what it answers."""
    order = np.lexsort((inbound, at, *groups[::-1]))
    g = [k[order] for k in groups]
    new_group = np.r_[True, np.any([k[1:] != k[:-1] for k in g], axis=0)] if len(order) else np.zeros(0, bool)
    group_id = np.cumsum(new_group) - 1
    t, inb = at[order], inbound[order]
    out = np.full(len(order), _NEVER, dtype="int64")
    for direction in (True, False):  # the next inbound time (for outbound rows), then the next outbound
        times = np.where(inb == direction, t, _NEVER)
        nxt = _suffix_min_after(times, group_id)
        mine = inb != direction
        out[mine] = nxt[mine]
    result = np.empty_like(out)
    result[order] = out
    return result


def _suffix_min_after(values: np.ndarray, group_id: np.ndarray) -> np.ndarray:
    """Per position, the minimum of ``values`` strictly after it within its (contiguous) group."""
    rev = pd.Series(values[::-1]).groupby(group_id[::-1]).cummin().to_numpy()[::-1]  # min from here on
    after = np.r_[rev[1:], _NEVER]
    last_of_group = np.r_[group_id[1:] != group_id[:-1], True]
    return np.where(last_of_group, _NEVER, after)
