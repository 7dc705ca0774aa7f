"""The store's unread total, kept in shards so that no single item takes a write from every message.

One item per store took ``total_unread + 1`` in every intake transaction: a burst of comments on one
post (a live sale) made it the store's hot item. DynamoDB cancels transactions that overlap on one
item and throttles an item past 1,000 write units a second (two per transactional write). Now each
change goes to one of :data:`SHARDS` items picked at random, and the total is their sum, read in one
``BatchGetItem`` (it takes up to 100 keys). A shard may go below zero (a conversation's unread count
is taken back from another shard than the ones that counted it up); only the sum means anything.

Shard 0 is keyed by the bare store id: the single item of before is one of the shards, so totals
stored before the change still count.
"""

from __future__ import annotations

import random

from pynamodb.expressions.update import Action

from chalicelib.models.inbox import InboxSummaryModel
from chalicelib.models.transactions import NamedTransaction

# 100: one BatchGetItem reads them all; 2,000 messages a second to one store are 20 writes a second per shard
# (40 write units, 4% of an item's 1,000), and a burst of N messages puts about N/100 on the busiest shard.
SHARDS = 100


def shard_key(store_id: str, shard: int) -> str:
    """The item key of one shard (store ids never hold '#': no store can reach another's shards)."""
    return store_id if shard == 0 else f"{store_id}#{shard:02d}"


def _any_shard(store_id: str) -> InboxSummaryModel:
    return InboxSummaryModel(shard_key(store_id, random.randrange(SHARDS)))  # noqa: S311 - spreading, not secrecy


def add_to_total(tx: NamedTransaction, store_id: str, amount: int, name: str = "summary") -> None:
    """Adds ``amount`` to the store's unread total inside ``tx`` (on a random shard)."""
    actions: list[Action] = [InboxSummaryModel.total_unread.add(amount)]
    tx.update(name, _any_shard(store_id), actions=actions)


def total_unread(store_id: str) -> int:
    """The sum of the store's shards (never below zero)."""
    keys = [shard_key(store_id, shard) for shard in range(SHARDS)]
    total = sum(int(item.total_unread or 0) for item in InboxSummaryModel.batch_get(keys))
    return max(total, 0)
