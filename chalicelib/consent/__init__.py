"""Marketing consent: state per member and purpose, its append-only log, unsubscribe tokens and SES
feedback (the sends that read it are :mod:`chalicelib.marketing`'s). See docs/consent.md.

- :mod:`state`: subscribe / unsubscribe / suppress, each one member update plus one log event.
- :mod:`unsubscribe`: the HMAC token of ``/u/{token}`` and the one-click unsubscribe.
- :mod:`feedback`: SES bounces and complaints arriving through SNS.
"""
