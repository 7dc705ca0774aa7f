"""Customer lifecycle: every member in one of seven stages, computed from paid orders, explained and tracked.

    from chalicelib import lifecycle

    lifecycle.classify(orders, created_at, params, now, timezone)   # the pure rule (stages.py)
    lifecycle.stage_member_ids(store_id, "lost")                    # a stage as an audience (audience.py)

incremental.recompute_member runs after an order changes; daily.run_scheduled is the daily run;
parameters holds the versioned store parameters; tracking writes a change and its history item.
"""

from __future__ import annotations

from chalicelib.lifecycle.audience import StagePage, audience_member_ids, stage_member_ids, stage_members
from chalicelib.lifecycle.stages import LABELS, STAGES, CountedOrder, Parameters, Verdict, classify

__all__ = ["LABELS", "STAGES", "CountedOrder", "Parameters", "StagePage", "Verdict", "audience_member_ids",
           "classify", "stage_member_ids", "stage_members"]
