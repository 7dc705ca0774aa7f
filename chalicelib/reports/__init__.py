"""Reports: the SMS log and store referrals of a store's local days, as CSV files in S3.

``compiler`` is the entry point (the scheduled job and on-demand ranges); ``sms`` and ``referrals``
turn items into rows; ``csvfile`` formats rows (Excel-safe); ``s3stream`` uploads while rows arrive.
"""
