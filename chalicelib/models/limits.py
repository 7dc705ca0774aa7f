"""Counters of attempts (code guesses, logins) that the abuse limits count on before anything is compared.

One item per limit and subject: ``<limit>#<subject>``. A rolling limit of n keeps the times of the
last n + 1 counted attempts in ``t(10-n)..t10`` (``t10`` the latest; the extra one lets an attempt be
given back); a windowed limit a ``tally`` in a key that names its window.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.models.base import StageModel, meta

ROLLING_SLOTS = 11


class AttemptCounterModel(StageModel):
    Meta = meta("attempt_counters")

    store_id = UnicodeAttribute(hash_key=True)
    counter_key = UnicodeAttribute(range_key=True)
    # Epoch seconds of counted attempts, oldest first.
    t0 = NumberAttribute(null=True)
    t1 = NumberAttribute(null=True)
    t2 = NumberAttribute(null=True)
    t3 = NumberAttribute(null=True)
    t4 = NumberAttribute(null=True)
    t5 = NumberAttribute(null=True)
    t6 = NumberAttribute(null=True)
    t7 = NumberAttribute(null=True)
    t8 = NumberAttribute(null=True)
    t9 = NumberAttribute(null=True)
    t10 = NumberAttribute(null=True)
    tally = NumberAttribute(null=True)  # attempts in the window the key names
    expires = TTLAttribute(null=True)  # cleanup only
