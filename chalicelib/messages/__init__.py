"""Shop messages and order messages: the storefront's own conversations, answered by e-mail.

- :mod:`threads`: the conversations (member, visitor, order) and what the customer writes into them;
- :mod:`uploads`: images through S3 presigned POST, checked again on save, shown through presigned GETs;
- :mod:`replies`: the merchant's answer, stored then e-mailed from the store's ``shop_email``;
- :mod:`replytoken`: the signed ``reply+<token>`` address that brings the customer's e-mail back;
- :mod:`inbound`: the S3-event function that appends (or quarantines) a received e-mail.
"""
