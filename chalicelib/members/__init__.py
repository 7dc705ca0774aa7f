"""Members: the core other features build on, and the customer's own account flows.

Core (for the staff app, imports, admin profiles, binding)::

    from chalicelib import members

    member = members.create_member(store_id, "Amy", phone="+886912345678", now=now)   # 409 phone_taken
    members.get_member(store_id, member_id)                                            # 404 not_found
    members.find_member_by_identity(store_id, members.phone_identity("+886912345678"))  # or None
"""

from __future__ import annotations

from chalicelib.members.core import (
    add_social_account,
    check_email,
    create_member,
    email_identity,
    email_taken,
    find_identity,
    find_member_by_identity,
    get_member,
    phone_identity,
    phone_taken,
    phone_verified_label,
    social_identity,
    social_identity_item,
)
from chalicelib.members.passwords import check_password, hash_password, verify_password

__all__ = ["add_social_account", "check_email", "check_password", "create_member", "email_identity", "email_taken",
           "find_identity", "find_member_by_identity", "get_member", "hash_password",
           "phone_identity", "phone_taken", "phone_verified_label", "social_identity", "social_identity_item",
           "verify_password"]
