"""Smart OMO at the counter: SMS registration links that credit a staff member and branch for ever,
and LINE binding links shown as a QR code.

    from chalicelib import referrals

    sent = referrals.send_registration_invitation(store_id, staff_id, branch_id, "+886912345678", ip, now)
    referrals.redeem_registration_invitation(store_id, token, member_id, "Asia/Taipei", now)
"""

from __future__ import annotations

from chalicelib.referrals.invitations import (
    INVITATION_TTL,
    Referral,
    SentInvitation,
    redeem_registration_invitation,
    send_registration_invitation,
)

__all__ = ["INVITATION_TTL", "Referral", "SentInvitation", "redeem_registration_invitation",
           "send_registration_invitation"]
