"""The unified inbox's actions on social conversations: webhooks in, replies out, the blacklist, auto-replies.

Modules: ``intake`` (webhook deliveries in), ``replies`` (the merchant's answer inside the reply window),
``blacklist``, ``autoreply``. What a conversation is (and its reply window) is the conversation core's:
:mod:`chalicelib.conversations`.
"""
