"""PynamoDB models. Every table's partition key starts with the store id: tenancy is in the key.

Each module here declares the tables of one idea of the product; :data:`ALL_MODELS` collects every
``Model`` subclass of every module, so a new table is one new class (the local sandbox, the tests and
the CloudFormation generator all read this list).

Names load on first use (PEP 562 ``__getattr__``): authenticating a request imports ``models.access``
alone, not every table's declaration (cold start, issue 18).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pynamodb.models import Model

    from chalicelib.models.access import ApiKeyModel
    from chalicelib.models.members import MemberIdentityModel, MemberModel
    from chalicelib.models.sms import SmsLogModel
    from chalicelib.models.stores import BranchModel, ChannelModel, StaffModel, StoreModel

    ALL_MODELS: tuple[type[Model], ...]

_MODULE_OF = {"ApiKeyModel": "access", "MemberIdentityModel": "members", "MemberModel": "members",
              "SmsLogModel": "sms", "BranchModel": "stores", "ChannelModel": "stores", "StaffModel": "stores",
              "StoreModel": "stores"}


def _all_models() -> tuple[type[Model], ...]:
    from pynamodb.models import Model

    from chalicelib.models.base import StageModel

    found: dict[str, type[Model]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value not in (Model, StageModel) \
                    and value.__module__ == module.__name__:
                found[value.__name__] = value
    return tuple(found[name] for name in sorted(found))


def __getattr__(name: str) -> Any:
    if name == "ALL_MODELS":
        value: Any = _all_models()
    elif name in _MODULE_OF:
        value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["ALL_MODELS", "ApiKeyModel", "BranchModel", "ChannelModel", "MemberIdentityModel", "MemberModel",
           "SmsLogModel", "StaffModel", "StoreModel"]
