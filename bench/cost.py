"""What operations cost on AWS, from what ``make bench`` counted: calls, capacity units, SMS, duration.

Per operation (a row of the AWS-calls table, run once under moto): the DynamoDB read and write
request units it consumed (``bench.support.dynamodb_units``), its SMS by destination, and a Lambda
duration = our own time measured in that run + a modelled latency per AWS or channel call (below),
billed per started ms at the function's memory. Plus one API Gateway request and one CloudWatch
Logs record per request. Prices are list prices for us-east-1 named in :data:`PRICES` with the date
they were read; edit them there when AWS changes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

PRICES_READ = "2025-06 (not re-checked since; re-read the pricing pages before quoting)"
PRICES = {  # USD, us-east-1, on-demand list prices
    "lambda_gb_second": 0.0000166667,  # aws.amazon.com/lambda/pricing (x86)
    "lambda_request": 0.20 / 1_000_000,
    "api_gateway_rest_request": 3.50 / 1_000_000,  # aws.amazon.com/api-gateway/pricing (REST, first 333 M)
    "dynamodb_wru": 0.625 / 1_000_000,  # aws.amazon.com/dynamodb/pricing/on-demand (after the 2024-11-01 cut)
    "dynamodb_rru": 0.125 / 1_000_000,
    "dynamodb_gb_month": 0.25,
    "logs_ingested_gb": 0.50,  # aws.amazon.com/cloudwatch/pricing
    "kms_request": 0.03 / 10_000,  # SecureString decrypts (cached 5 min by Powertools Parameters)
}
# SNS SMS (AWS End User Messaging SMS price list), USD per message part incl. typical carrier fees.
SMS_PRICES_READ = ("2025-06 figures, NOT verified against the current price list (aws.amazon.com/end-user-messaging/"
                   "pricing could not be read when this table was last updated, 2026-11-25): check before quoting")
SMS_PRICES = {"+886": ("Taiwan", 0.0720), "+1": ("United States (10DLC, incl. carrier fee)", 0.0088),
              "+81": ("Japan", 0.0745), "+852": ("Hong Kong", 0.0453), "+65": ("Singapore", 0.0395),
              "+66": ("Thailand", 0.0170), "+44": ("United Kingdom", 0.0364)}
# Modelled latency of one call as seen from a Lambda in the same region (moto answers in-process).
LATENCY_MS = {"dynamodb": 6.0, "sns": 40.0, "ses": 40.0, "ssm": 10.0, "s3": 15.0, "sqs": 8.0, "channel": 150.0}
MEMORY_GB = 0.5  # .chalice/config.json lambda_memory_size
LOG_BYTES_PER_REQUEST = 1200  # our request line + Lambda's START/END/REPORT lines


def calling_code(e164: str) -> str:
    for code in sorted(SMS_PRICES, key=len, reverse=True):
        if e164.startswith(code):
            return code
    return e164[:3]


@dataclass
class Measured:
    """One operation as counted by ``make bench``."""

    calls: dict[str, int]  # by service: dynamodb, sns, ses, s3, ssm
    rru: float
    wru: float
    sms_to: dict[str, int]
    channel_calls: int
    own_ms: float

    @property
    def billed_ms(self) -> int:
        waited = sum(LATENCY_MS.get(service, 0.0) * n for service, n in self.calls.items())
        return math.ceil(self.own_ms + waited + LATENCY_MS["channel"] * self.channel_calls)

    def usd(self, sms_code: str | None = None) -> dict[str, float]:
        parts = {
            "lambda": PRICES["lambda_request"] + self.billed_ms / 1000 * MEMORY_GB * PRICES["lambda_gb_second"],
            "api_gateway": PRICES["api_gateway_rest_request"],
            "dynamodb": self.rru * PRICES["dynamodb_rru"] + self.wru * PRICES["dynamodb_wru"],
            "logs": LOG_BYTES_PER_REQUEST / 1e9 * PRICES["logs_ingested_gb"],
            "sms": 0.0,
        }
        sms = sum(self.sms_to.values())
        if sms:
            parts["sms"] = sms * SMS_PRICES[sms_code or next(iter(self.sms_to))][1]
        return parts


@dataclass
class Scenario:
    name: str
    per: int
    operations: dict[str, float]  # operation name (a row of the calls table) -> times per unit
    notes: str = ""
    extra_usd: dict[str, float] = field(default_factory=dict)


INBOUND = "webhook: LINE message from a known customer (warm)"
NEW_CUSTOMER = "webhook: LINE message from a new customer (warm; profile look-up queued)"
WHATSAPP = "webhook: WhatsApp message (name in the payload, warm)"
INVITE = "POST binding-invitation (LINE, warm)"
PREVIEW = "GET /storefront/bindings/{token} (preview)"
REDEEM = "POST /storefront/bindings/redeem (success)"
SEND = "POST /storefront/verifications (warm instance)"
CHECK = "POST /storefront/verifications/{id}/check (right code: count, then use)"
SIGN_UP = "POST /storefront/members (phone sign-up, token consumed in the transaction)"
LIST = "GET /admin/conversations (23 conversations)"
REPLY = "POST /admin/conversations/{id}/messages (reply)"
SEARCH = "GET /staff/members?phone="

# The store of the monthly row: 5,000 members, 300 conversations a day.
DAY = {INBOUND: 300 * 4 * 0.5, WHATSAPP: 300 * 4 * 0.4, NEW_CUSTOMER: 300 * 0.1, LIST: 150, REPLY: 300 * 2,
       INVITE: 30, PREVIEW: 30, REDEEM: 30, SEND: 15, CHECK: 15, SIGN_UP: 15, SEARCH: 100}
STORE_GB = (5000 * 2_000 + 300 * 30 * 1_000 + 300 * 30 * 6 * 600) / 1e9  # members, conversations, a month of messages

SCENARIOS = [
    Scenario("10,000 inbound messages (half LINE, half WhatsApp, known customers)", 10_000,
             {INBOUND: 0.5, WHATSAPP: 0.5}),
    Scenario("1,000 bindings (invitation + preview + redemption)", 1_000, {INVITE: 1, PREVIEW: 1, REDEEM: 1}),
    Scenario("1,000 phone sign-ups (code sent + checked + member created; SMS below)", 1_000,
             {SEND: 1, CHECK: 1, SIGN_UP: 1}),
    Scenario("a month of a store with 5,000 members and 300 conversations a day", 1,
             {name: n * 30 for name, n in DAY.items()},
             notes="per day: 1,200 messages in (30 from new customers), 600 replies, 150 inbox loads, 30 bindings, "
                   "15 phone sign-ups (SMS to Taiwan), 100 staff searches; plus storage",
             extra_usd={"dynamodb": STORE_GB * PRICES["dynamodb_gb_month"]}),
]


def table(measured: dict[str, Measured]) -> str:
    rows = ["| per | Lambda | API Gateway | DynamoDB | Logs | SMS | **total USD** |", "|---|---|---|---|---|---|---|"]
    for scenario in SCENARIOS:
        missing = [name for name in scenario.operations if name not in measured]
        if missing:
            rows.append(f"| {scenario.name} | not measured: {', '.join(missing)} ||||||")
            continue
        parts: dict[str, float] = {"lambda": 0.0, "api_gateway": 0.0, "dynamodb": 0.0, "logs": 0.0, "sms": 0.0}
        for name, times in scenario.operations.items():
            code = "+886" if "month" in scenario.name else None
            for part, usd in measured[name].usd(code).items():
                parts[part] += usd * times * scenario.per
        for part, usd in scenario.extra_usd.items():
            parts[part] += usd
        sms = "see below" if "sign-ups" in scenario.name else f"{parts['sms']:.2f}"
        total = sum(v for k, v in parts.items() if "sign-ups" not in scenario.name or k != "sms")
        rows.append(f"| {scenario.name} | {parts['lambda']:.4f} | {parts['api_gateway']:.4f} | "
                    f"{parts['dynamodb']:.4f} | {parts['logs']:.4f} | {sms} | **{total:.4f}** |")
    sms_rows = [f"| SMS destination (prices: {SMS_PRICES_READ}) | USD per 1,000 sign-ups (1 SMS each, 1 part) |",
                "|---|---|"]
    sends = measured.get(SEND)
    per_signup = sum(sends.sms_to.values()) if sends else 1
    for code, (country, price) in SMS_PRICES.items():
        sms_rows.append(f"| {country} ({code}) | {1000 * per_signup * price:.2f} |")
    duration_rows = ["| operation | billed Lambda ms (own + modelled AWS latency) | RRU | WRU |", "|---|---|---|---|"]
    for name in dict.fromkeys(n for s in SCENARIOS for n in s.operations):
        if name in measured:
            m = measured[name]
            duration_rows.append(f"| {name} | {m.billed_ms} | {m.rru:g} | {m.wru:g} |")
    notes = "\n".join(f"- {s.name}: {s.notes}" for s in SCENARIOS if s.notes)
    latency = ", ".join(f"{k} {v:g} ms" for k, v in LATENCY_MS.items())
    return ("\n".join(rows) + "\n\n" + "\n".join(sms_rows) + "\n\n" + "\n".join(duration_rows) + "\n\n" + notes +
            f"\n\nPrices: us-east-1 list prices, read {PRICES_READ}: Lambda ${PRICES['lambda_gb_second']} per "
            f"GB-s at {MEMORY_GB * 1024:.0f} MB + $0.20 per million requests; API Gateway REST $3.50 per million; "
            "DynamoDB on demand $0.625 per million WRU, $0.125 per million RRU, $0.25 per GB-month; CloudWatch Logs "
            f"$0.50 per GB; SMS per destination as in the table. Latency model per call: {latency}. Free tiers "
            "are ignored. Capacity units are estimated from item and response sizes, GSI writes counted as an "
            "upper bound.\n")


def measured_from(row: dict[str, Any]) -> Measured:
    return Measured(calls=row["calls"], rru=row["rru"], wru=row["wru"], sms_to=row["sms_to"],
                    channel_calls=row["channel"], own_ms=row["own_ms"])
