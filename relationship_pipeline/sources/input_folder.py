"""Read a whole input folder (DESIGN.md "The input folder") into one canonical batch."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from relationship_pipeline.identity.addresses import canonical_addresses
from relationship_pipeline.schemas import PARTICIPANTS, conform
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.calls import parse_calls
from relationship_pipeline.sources.crm import Crm
from relationship_pipeline.sources.emails import parse_emails
from relationship_pipeline.sources.meetings import parse_meetings

CHANNEL_FOLDERS = ("emails", "meetings", "calls")


def read_interactions(data_dir: Path, crm: Crm, window_start: datetime, window_end: datetime) -> ParsedBatch:
    """Parse emails/, meetings/ and calls/ (each optional) and canonicalise participant addresses.

    Recurring meetings are expanded within [window_start, window_end); everything else is
    returned whatever its date, and the caller keeps the days it is materialising. The same
    interaction found by two parsers or in two files is kept once.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"input folder {data_dir} does not exist or is not a directory")
    batches = []
    if (data_dir / "emails").is_dir():
        batches.append(parse_emails(data_dir / "emails", data_dir))
    if (data_dir / "meetings").is_dir():
        batches.append(parse_meetings(data_dir / "meetings", data_dir, window_start, window_end))
    if (data_dir / "calls").is_dir():
        batches.append(parse_calls(data_dir / "calls", data_dir, crm.phone_directory()))
    batch = ParsedBatch.concat(batches)
    batch.participants = canonical_participants(batch.participants, crm.aliases)
    return batch


# When one person appears twice on an interaction (two spellings, an alias), the first role here wins.
ROLE_PRECEDENCE = ("from", "organizer", "caller", "callee", "to", "cc", "bcc", "attendee")


def canonical_participants(participants: pd.DataFrame, aliases: pd.DataFrame) -> pd.DataFrame:
    """Participants with canonical addresses; a person written two ways on one interaction is one
    participant, in the most telling role (ROLE_PRECEDENCE), keeping a known response and name."""
    if participants.empty:
        return participants
    out = participants.assign(address=canonical_addresses(participants["address"], aliases))
    rank = out["role"].map({role: i for i, role in enumerate(ROLE_PRECEDENCE)}).fillna(len(ROLE_PRECEDENCE))
    out = out.assign(_rank=rank, _answered=out["response"].notna()).sort_values(
        ["interaction_id", "address", "_rank", "_answered"], ascending=[True, True, True, False], kind="stable"
    )
    group = out.groupby(["interaction_id", "address"], sort=False)
    out = out.assign(
        response=out["response"].fillna(group["response"].transform("first")),
        name=out["name"].fillna(group["name"].transform("first")),
    ).drop_duplicates(["interaction_id", "address"])
    return conform(out, PARTICIPANTS)
