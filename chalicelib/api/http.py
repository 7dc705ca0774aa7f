"""The one way a route is declared: authentication, body limits, uniform errors, request logs.

    @endpoint(admin, "/admin/branches", ["POST"], roles=ADMIN, status=201)
    def create_branch(call: Call) -> dict: ...

Chalice turns exceptions raised in a view into its own error shape before any middleware sees
them, so the contract's ``{"error": {...}}`` body is produced here, around each view, and its
status comes from :data:`STATUS`, the one table from domain error to HTTP status.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalice.app import Blueprint, Request, Response, handle_extra_types

from chalicelib import access
from chalicelib.access import Principal, Role
from chalicelib.api import roles
from chalicelib.config import settings
from chalicelib.errors import ApiError, Forbidden
from chalicelib.logs import logger
from chalicelib.validation import Field, parse_json, parse_object

ADMIN = (Role.ADMIN,)
STOREFRONT = (Role.STOREFRONT,)
STAFF = (Role.STAFF,)
PUBLIC: tuple[Role, ...] = ()

Body = dict[str, Any]

# Bodies are parsed as JSON whatever their label: `curl -d` labels JSON form-urlencoded, and a caller
# should learn about a bad key (401) or a bad field (400) rather than get Chalice's bare 415.
BODY_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]

# Every declared route: path -> method -> accepted content types, so a 405 can list the allowed
# methods and a 415 the accepted types (Chalice's own messages say neither).
ROUTES: dict[str, dict[str, list[str]]] = {}


@dataclass(frozen=True)
class Call:
    """What a handler gets: the request, and who is calling (None on public routes)."""

    request: Request
    _principal: Principal | None

    @property
    def principal(self) -> Principal:
        assert self._principal is not None, "public routes have no principal"
        return self._principal

    @property
    def store_id(self) -> str:
        return self.principal.store_id

    def body(self, fields: Mapping[str, Field]) -> Body:
        raw = self.request.raw_body
        return parse_object(parse_json(raw.encode() if isinstance(raw, str) else raw, settings().max_body_bytes),
                            fields)

    def query(self, name: str) -> str | None:
        params = self.request.query_params
        return params.get(name) if params else None


# Domain error -> HTTP status. Keys are class paths, not imports: a route's domain code loads on the
# route's first call, not when this module does. A class not listed takes its nearest listed base's status.
STATUS: dict[str, int] = {
    "chalicelib.errors.ApiError": 400,
    "chalicelib.errors.InvalidRequest": 400,
    "chalicelib.errors.Unauthorized": 401,
    "chalicelib.errors.Forbidden": 403,
    "chalicelib.errors.NotFound": 404,
    "chalicelib.errors.Conflict": 409,
    "chalicelib.errors.LinkExpired": 410,
    "chalicelib.verification.CodeExpired": 410,
    "chalicelib.errors.PayloadTooLarge": 413,
    "chalicelib.conversations.window.OutsideMessagingWindow": 422,
    "chalicelib.binding.invitations.InvitationRefused": 422,
    "chalicelib.referrals.invitations.StorefrontUrlMissing": 422,
    "chalicelib.referrals.line.LineBindingRefused": 422,
    "chalicelib.sms.templates.MessageTooLong": 422,
    "chalicelib.messages.replies.ShopEmailNotSet": 422,
    "chalicelib.messages.uploads.ImageTooLargeToServe": 422,
    "chalicelib.marketing.sends.PostalAddressNotSet": 422,
    "chalicelib.marketing.sends.ShopEmailNotSet": 422,
    "chalicelib.sms.sender.RateLimited": 429,
    "chalicelib.abuse.TooManyAttempts": 429,
    "chalicelib.verification.TooManyAttempts": 429,
    "chalicelib.channels.outbound.ChannelError": 502,
    "chalicelib.sms.sender.SmsFailed": 502,
    "chalicelib.sms.captcha.CaptchaUnavailable": 502,
    "chalicelib.members.account.EmailFailed": 502,
    "chalicelib.team.sessions.StoreChoiceRequired": 409,
    "chalicelib.senders.SesUnavailable": 502,
}


def status_of(error: ApiError) -> int:
    """The HTTP status of ``error``: its own when an api/ module set one, else the table's."""
    if error.status is not None:
        return error.status
    for cls in type(error).__mro__:
        status = STATUS.get(f"{cls.__module__}.{cls.__qualname__}")
        if status is not None:
            return status
    return 400


def error_response(error: ApiError) -> Response:
    return Response(body=error.body(), status_code=status_of(error), headers={"Content-Type": "application/json"})


def _authenticate(authorization: str | None, allowed: tuple[Role, ...]) -> Principal:
    """An API key (chalicelib/access.py) or a console session's token (chalicelib/team/sessions.py)."""
    key = access.bearer_key(authorization)
    if access.is_session_token(key):
        access.check_session_allowed(*allowed)
        from chalicelib.team import sessions  # loaded by the first session's request, not at cold start

        return sessions.authenticate(key)
    return access.authenticate(authorization, *allowed)


def endpoint(bp: Blueprint, path: str, methods: list[str], *, roles: tuple[Role, ...],
             status: int = 200, content_types: list[str] | None = None) -> Callable[[Callable[..., Any]], Any]:
    allowed = roles  # the keyword keeps its name; inside, ``roles`` is the per-route role table
    return _declare(bp, path, methods, allowed, status, content_types)


def _audit_target(rule: roles.Rule, principal: Principal, params: Mapping[str, str],
                  result: Any) -> tuple[str, str | None]:
    if not rule.target:
        return "store", principal.store_id
    value = params.get(rule.target) or (result.get(rule.target) if isinstance(result, dict) else None)
    return roles.target_kind(rule.target), str(value) if value is not None else None


def _audit_rule(request: Request, path: str) -> roles.Rule | None:
    """The route's audit rule (chalicelib/api/roles.py), None when it audits nothing (or not this call)."""
    rule = roles.rule_for(request.method, path)
    if rule.audit is None:
        return None
    query: Mapping[str, str] = request.query_params or {}
    if rule.skip_audit_query and query.get(rule.skip_audit_query[0]) == rule.skip_audit_query[1]:
        return None
    return rule


def _prepare_audit(principal: Principal, request: Request, path: str, params: Mapping[str, str]) -> object | None:
    """The event of a route whose target is known before it runs, for its transaction to join (audit.join)."""
    rule = _audit_rule(request, path)
    if rule is None or (rule.target and rule.target not in params):
        return None
    from chalicelib import audit  # loaded by the first audited request, not at cold start

    return audit.prepare(audit.event_item(principal.store_id, principal.actor, rule.audit or "",
                                          _audit_target(rule, principal, params, None)))


def _audit_after(principal: Principal, request: Request, path: str, params: Mapping[str, str], result: Any) -> None:
    """The event of a route that names its target in its answer (a created id), after it answered 2xx."""
    rule = _audit_rule(request, path)
    if rule is None or not rule.target or rule.target in params:
        return
    from chalicelib import audit

    audit.record(principal.store_id, principal.actor, rule.audit or "", _audit_target(rule, principal, params, result))


def _declare(bp: Blueprint, path: str, methods: list[str], allowed: tuple[Role, ...], status: int,
             content_types: list[str] | None) -> Callable[[Callable[..., Any]], Any]:
    def decorate(handler: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            request = bp.current_request
            started = time.perf_counter()
            request_id = (request.context or {}).get("requestId") or str(uuid.uuid4())
            logger.append_keys(request_id=request_id)
            principal: Principal | None = None
            actor_token = audit_token = None
            succeeded = False
            try:
                if allowed:
                    principal = _authenticate(request.headers.get("authorization"), allowed)
                    if principal.user_role == "agent" and not roles.agent_may(request.method, path):
                        raise Forbidden("an agent may use the inbox and customers only; ask an owner")
                    actor_token = access.set_current_actor(principal.actor)
                    audit_token = _prepare_audit(principal, request, path, params)
                result = handler(Call(request, principal), **params)
                response = result if isinstance(result, Response) else Response(
                    body=result, status_code=status, headers={"Content-Type": "application/json"})
                succeeded = response.status_code < 300
                if principal is not None and succeeded:
                    _audit_after(principal, request, path, params, result)
            except ApiError as exc:
                response = error_response(exc)
            except Exception:
                logger.exception("unhandled error", extra={"route": path})
                response = error_response(ApiError("something went wrong on our side; it has been logged",
                                                   code="internal_error", status=500))
            finally:
                if audit_token is not None:
                    from chalicelib import audit  # already loaded by _prepare_audit

                    audit.finish(audit_token, succeeded)
                if actor_token is not None:
                    access.reset_current_actor(actor_token)
            logger.info("request", extra={
                "method": request.method, "route": path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "store_id": principal.store_id if principal else params.get("store_id"),
                "role": principal.role.value if principal else None,
                "key_id": principal.key_id if principal else None,
                "user_id": principal.user_id if principal else None,
            })
            logger.remove_keys(["request_id"])
            return response

        accepted = content_types or BODY_CONTENT_TYPES
        for method in methods:
            ROUTES.setdefault(path, {})[method] = accepted
        bp.route(path, methods=methods, content_types=accepted)(view)
        return view

    return decorate


def no_content() -> Response:
    return Response(body="", status_code=204)


_CHALICE_ERROR_CODES = {405: "method_not_allowed", 415: "unsupported_media_type", 400: "invalid_request"}


def contract_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Every answer leaves here: Chalice's own 405/415 get the contract's error body, and JSON is
    written as UTF-8 text (CJK as written, not ``\\u904b``)."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_ERROR_CODES.get(response.status_code, "invalid_request")
        route = ROUTES.get(str((event.context or {}).get("resourcePath", "")), {})
        message = str(body["Message"])
        if response.status_code == 405 and route:
            allowed = sorted(route)
            message = f"{event.method} is not allowed on this path; allowed: {', '.join(allowed)}"
            response.headers["Allow"] = ", ".join(allowed)
        elif response.status_code == 415 and event.method in route:
            sent = event.headers.get("content-type") if event.headers else None
            accepted = route[event.method]
            sent = sent or "none"
            message = (f"Content-Type {sent} is not accepted here; send {accepted[0]}"
                       + (f" (also accepted: {', '.join(accepted[1:])})" if len(accepted) > 1 else ""))
        body = {"error": {"code": code, "message": message}}
        response.headers["Content-Type"] = "application/json"
    if not isinstance(body, (str, bytes)):
        response.body = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=handle_extra_types)
    return response
