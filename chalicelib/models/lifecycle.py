"""Customer lifecycle: the store's parameter versions, each member's stage changes, and the daily runs.

A member's current stage lives on the member item (``MemberModel.lifecycle_*``, index ``by_stage``)
so the daily run reads each member once; these tables hold what has to be kept beside it.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from chalicelib.models.base import StageModel, meta


class LifecycleParametersModel(StageModel):
    """One version of a store's parameters; a new item for every change, never updated in place."""

    Meta = meta("lifecycle_parameters")

    store_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)  # 1, 2, ...: the newest is the store's current parameters
    repurchase_cycle_days_auto = NumberAttribute()
    high_value_spend_auto = UnicodeAttribute()  # decimal as text
    repurchase_cycle_days_override = NumberAttribute(null=True)
    high_value_spend_override = UnicodeAttribute(null=True)
    cause = UnicodeAttribute()  # "daily_run" (computed values changed) | "override" (the merchant's PUT)
    repeat_members = NumberAttribute(default=0)  # members the cycle was computed over
    buyers = NumberAttribute(default=0)  # members the spend percentile was computed over
    created_at = UTCDateTimeAttribute()


class HistoryDayIndex(GlobalSecondaryIndex["LifecycleHistoryModel"]):
    """A store's stage changes of one local day (``<store_id>#YYYY-MM-DD``): the CSV's Entered and Left."""

    class Meta:
        index_name = "by_day"
        projection = IncludeProjection(["from_stage", "to_stage"])

    store_day = UnicodeAttribute(hash_key=True)
    at_key = UnicodeAttribute(range_key=True)


class LifecycleHistoryModel(StageModel):
    """One change of one member's stage, written only when the stage changes."""

    Meta = meta("lifecycle_history")

    store_member = UnicodeAttribute(hash_key=True)  # "<store_id>#<member_id>"
    at_key = UnicodeAttribute(range_key=True)  # "<at, UTC, microseconds>#<member_id>"
    store_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    from_stage = UnicodeAttribute(null=True)  # None: the member's first stage
    to_stage = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    parameters_version = NumberAttribute()
    reason = UnicodeAttribute()
    cause = UnicodeAttribute()  # "order" | "daily_run"
    store_day = UnicodeAttribute()  # the store's local day the change counts for

    by_day = HistoryDayIndex()


class LifecycleRunModel(StageModel):
    """The daily run of one store for one ended local day: claimed, then done with its counts."""

    Meta = meta("lifecycle_runs")

    store_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD, the local day that ended
    state = UnicodeAttribute()  # running | done
    started_at = UTCDateTimeAttribute()
    as_of = UTCDateTimeAttribute(null=True)
    parameters_version = NumberAttribute(null=True)
    counts = MapAttribute[str, int](default=dict)  # stage -> members at the end of the run
    members = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    changed = NumberAttribute(default=0)
    key = UnicodeAttribute(null=True)  # the CSV's S3 key
