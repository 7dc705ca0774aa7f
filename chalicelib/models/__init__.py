"""PynamoDB models. Every table's partition key starts with the store id: tenancy is in the key.

Each module here declares the tables of one idea of the product; :data:`ALL_MODELS` collects every
``Model`` subclass of every module, so a new table is one new class (the local sandbox, the tests and
the CloudFormation generator all read this list).
"""

from __future__ import annotations

import importlib
import pkgutil

from pynamodb.models import Model

from chalicelib.models.access import ApiKeyModel
from chalicelib.models.base import StageModel
from chalicelib.models.members import MemberIdentityModel, MemberModel
from chalicelib.models.sms import SmsLogModel
from chalicelib.models.stores import BranchModel, ChannelModel, StaffModel, StoreModel


def _all_models() -> tuple[type[Model], ...]:
    found: dict[str, type[Model]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value not in (Model, StageModel) \
                    and value.__module__ == module.__name__:
                found[value.__name__] = value
    return tuple(found[name] for name in sorted(found))


ALL_MODELS = _all_models()

__all__ = ["ALL_MODELS", "ApiKeyModel", "BranchModel", "ChannelModel", "MemberIdentityModel", "MemberModel",
           "SmsLogModel", "StaffModel", "StoreModel"]
