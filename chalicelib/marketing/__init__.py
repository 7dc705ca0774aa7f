"""Marketing sends: e-mail and SMS to an audience (tag, stage, member ids), each recipient's consent read at
send time, in pages in the background. Consent itself (state, log, unsubscribe, SES feedback) is
:mod:`chalicelib.consent`'s; this package only asks it. See docs/consent.md.

- :mod:`sends`: starting a send, the worker's pages, what each recipient gets.
"""
