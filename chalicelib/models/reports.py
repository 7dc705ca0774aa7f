"""The store registry: every store's id in one small partition, so the report job lists stores by Query.

This is the one table whose partition key is not a store id: listing every store is its whole point.
One item per store, written in the same transaction as the store (``stores.create_store``); a few
thousand stores fit in a handful of 1 MB pages. Nothing else reads or writes it.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import StageModel, meta

REGISTRY_PARTITION = "stores"


class StoreRegistryModel(StageModel):
    Meta = meta("store_registry")

    registry = UnicodeAttribute(hash_key=True)  # always REGISTRY_PARTITION
    store_id = UnicodeAttribute(range_key=True)
    created_at = UTCDateTimeAttribute()  # the first local day a report can cover


def registry_item(store_id: str, created_at: datetime) -> StoreRegistryModel:
    return StoreRegistryModel(REGISTRY_PARTITION, store_id, created_at=created_at)
