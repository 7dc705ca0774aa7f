"""PynamoDB models. Every table's partition key is the store id: tenancy is in the key."""

from chalicelib.models.access import ApiKeyModel
from chalicelib.models.stores import BranchModel, ChannelModel, StaffModel, StoreModel

ALL_MODELS = (StoreModel, ApiKeyModel, BranchModel, StaffModel, ChannelModel)

__all__ = ["ALL_MODELS", "ApiKeyModel", "BranchModel", "ChannelModel", "StaffModel", "StoreModel"]
