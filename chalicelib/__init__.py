"""memberlink: channel intake, membership binding, members, staff referrals and reports."""
