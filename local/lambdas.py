"""The local stack's Lambda: the template's functions, run in this process, each under its own role.

:class:`LocalLambda` is what Lambda, EventBridge, S3 notifications, SNS subscriptions and SQS event
source mappings are on AWS, for the functions of one packaged template (local/cloudformation.py):

- ``lambda:Invoke`` from any boto3 or PynamoDB client of the process is answered here (a botocore
  ``before-call`` hook): the function is found by the name or ARN the caller gives, as Lambda finds it;
  an unknown one is ``ResourceNotFoundException``. ``InvocationType=Event`` answers 202 and runs the
  function on a worker (or inline, for the functional tests' single-threaded embedded AWS).
- While a function runs, every AWS call it makes is checked against its role's statements in the
  template (local/iam.py); a call the role does not allow fails with the service's AccessDenied error,
  as on AWS, and is never sent. Calls made outside any function (the operator's tools, the sandbox
  itself) are the operator's and are not checked.
- :meth:`run_schedules`, :meth:`notify_s3`, :meth:`publish_sns` and :meth:`poll_queues` deliver the
  events the template's schedules, bucket notifications, topic subscriptions and SQS sources would.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from local import iam
from local.cloudformation import ACCOUNT, Function, LocalTemplate, region

_current: ContextVar[Function | None] = ContextVar("memberlink_local_function", default=None)
_runtime: LocalLambda | None = None
_hooked = False
_hook_lock = threading.Lock()


def current() -> LocalLambda:
    if _runtime is None:
        raise RuntimeError("no local Lambda is installed: the local stack (local/sandbox.py) or the tests install one")
    return _runtime


def current_function() -> Function | None:
    return _current.get()


@contextmanager
def as_operator() -> Iterator[None]:
    """The block's AWS calls are the operator's (the sandbox emulating an AWS-side step), not the function's."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


@dataclass
class LambdaContext:
    """The ``context`` Lambda passes a handler (the attributes the app and Powertools read)."""
    function: Function
    started: float = field(default_factory=time.monotonic)
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def function_name(self) -> str:
        return self.function.name

    @property
    def invoked_function_arn(self) -> str:
        return self.function.arn

    @property
    def memory_limit_in_mb(self) -> int:
        return self.function.memory

    function_version = "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function.name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.function.timeout - (time.monotonic() - self.started)) * 1000))


class _Http:
    """What botocore needs of an HTTP response that never went over the wire."""

    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""
        self.text = ""


def _answer(status: int, parsed: dict[str, Any]) -> tuple[_Http, dict[str, Any]]:
    return _Http(status), {**parsed, "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}}}


def _error(status: int, code: str, message: str) -> tuple[_Http, dict[str, Any]]:
    return _answer(status, {"Error": {"Code": code, "Message": message}})


def _payload(data: bytes) -> Any:
    from botocore.response import StreamingBody

    return StreamingBody(io.BytesIO(data), len(data))


@dataclass
class Denial:
    function: str
    action: str
    resource: str


class LocalLambda:
    def __init__(self, stack: LocalTemplate, *, asynchronous: bool = True, enforce_roles: bool = True,
                 workers: int = 4) -> None:
        self.stack = stack
        self.enforce_roles = enforce_roles
        self.denials: list[Denial] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda") if asynchronous else None
        self._pending: list[Future[Any]] = []
        self._lock = threading.Lock()
        self._statements: dict[str, list[dict[str, Any]]] = {}
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._sqs: Any = None

    # --- installing

    def install(self) -> LocalLambda:
        """Answer Lambda calls and check roles for every botocore client this process creates from now on."""
        global _runtime
        _runtime = self
        _hook_clients()
        from chalicelib import aws

        aws.reset()  # clients built before the hook would go around it
        return self

    def uninstall(self) -> None:
        global _runtime
        if _runtime is self:
            _runtime = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # --- running functions

    def function(self, logical_id: str) -> Function:
        return self.stack.functions[logical_id]

    @contextmanager
    def acting_as(self, logical_id: str) -> Iterator[Function]:
        """Everything in the block runs as ``logical_id`` (the local API server serves requests as the API handler)."""
        function = self.stack.functions[logical_id]
        token = _current.set(function)
        try:
            yield function
        finally:
            _current.reset(token)

    def run(self, function: Function, event: Any) -> Any:
        """One invocation of ``function`` with ``event`` (a JSON round trip, as Lambda delivers it), under its role."""
        handler = self._handler(function)
        context = LambdaContext(function)
        token = _current.set(function)
        try:
            return handler(json.loads(json.dumps(event)), context)
        finally:
            _current.reset(token)
            if context.get_remaining_time_in_millis() == 0:
                from chalicelib.logs import logger

                logger.warning("function ran past its timeout", extra={"function": function.name,
                                                                       "timeout_seconds": function.timeout})

    def _handler(self, function: Function) -> Callable[..., Any]:
        found = self._handlers.get(function.logical_id)
        if found is None:
            module, _, attribute = function.handler.rpartition(".")
            found = self._handlers[function.logical_id] = getattr(importlib.import_module(module), attribute)
        return found

    def _run_logged(self, function: Function, event: Any) -> None:
        try:
            self.run(function, event)
        except Exception:  # an asynchronous invocation's error goes to the function's log, as on AWS
            from chalicelib.logs import logger

            logger.exception("asynchronous invocation failed", extra={"function": function.name})

    def start(self, function: Function, event: Any) -> None:
        """An asynchronous invocation: on a worker, or at once when this Lambda is inline."""
        if self._pool is None:
            self._run_logged(function, event)
            return
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._pool.submit(self._run_logged, function, event))

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until no asynchronous invocation is running (one may start another: wait for those too)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f in self._pending if not f.done()]
                self._pending = pending
            if not pending:
                return
            for future in pending:
                future.result(timeout=max(0.1, deadline - time.monotonic()))

    def invoke(self, name: str, payload: bytes,
               invocation_type: str = "RequestResponse") -> tuple[_Http, dict[str, Any]]:
        """Lambda's Invoke: by name, partial or full ARN; ResourceNotFoundException when no function has it."""
        function = self.stack.function(name)
        if function is None:
            arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region()}:{ACCOUNT}:function:{name}"
            return _error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        try:
            event = json.loads(payload or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        from chalicelib.logs import logger

        logger.info("lambda invoke", extra={"function": function.name, "invocation_type": invocation_type})
        if invocation_type == "Event":
            self.start(function, event)
            return _answer(202, {"StatusCode": 202, "Payload": _payload(b"")})
        if invocation_type == "DryRun":
            return _answer(204, {"StatusCode": 204, "Payload": _payload(b"")})
        try:
            result = self.run(function, event)
        except Exception as exc:
            body = json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__}).encode()
            return _answer(200, {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": _payload(body)})
        return _answer(200, {"StatusCode": 200, "Payload": _payload(json.dumps(result).encode())})

    # --- the hook on every AWS call

    def on_call(self, model: Any, params: dict[str, Any]) -> tuple[_Http, dict[str, Any]] | None:
        prefix = model.service_model.signing_name or model.service_model.service_name
        function = _current.get()
        if self.enforce_roles and function is not None and function.role:
            statements = self._statements.get(function.role)
            if statements is None:
                statements = self._statements[function.role] = self.stack.role_statements(function.role)
            for action, resource in iam.requests(prefix, model.name, params):
                if not iam.allowed(statements, action, resource):
                    from chalicelib.logs import logger

                    self.denials.append(Denial(function.logical_id, action, resource))
                    message = iam.denial(function.role, function.name, action, resource)
                    logger.warning("AccessDenied", extra={"function": function.name, "action": action,
                                                          "resource": resource})
                    code, status = iam.denied_code(prefix)
                    return _error(status, code, message)
        if model.service_model.service_name == "lambda" and model.name == "Invoke":
            raw = params.get("Payload") or b""
            data = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else raw.read()
            return self.invoke(str(params["FunctionName"]), data, str(params.get("InvocationType", "RequestResponse")))
        return None

    # --- the template's triggers

    def scheduled(self) -> list[tuple[Function, str]]:
        """Every (function, schedule expression) the template declares."""
        return [(function, str(event.properties["Schedule"])) for function in self.stack.functions.values()
                for event in function.events if event.kind == "Schedule"]

    def run_schedules(self, now_iso: str) -> list[str]:
        """Every scheduled function once, now, with the event EventBridge sends; returns their names."""
        ran = []
        for function, _ in self.scheduled():
            self.run(function, scheduled_event(function, now_iso))
            ran.append(function.name)
        return ran

    def notify_s3(self, bucket: str, key: str, size: int) -> list[Any]:
        """S3's ObjectCreated notification to every function the bucket's configuration names for ``key``."""
        event = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region(),
                              "eventName": "ObjectCreated:Put",
                              "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                     "object": {"key": key, "size": size}}}]}
        return [self.run(self.stack.functions[t.function], event) for t in self.stack.triggers
                if t.kind == "s3" and t.source == bucket and key.startswith(t.prefix) and key.endswith(t.suffix)]

    def topic_arn(self, topic_name: str) -> str:
        return f"arn:aws:sns:{region()}:{ACCOUNT}:{topic_name}"

    def publish_sns(self, topic_arn: str, message: str) -> list[Any]:
        """SNS's delivery of one message to every function subscribed to ``topic_arn`` in the template."""
        targets = [t for t in self.stack.triggers if t.kind == "sns" and t.source == topic_arn]
        if not targets:
            raise LookupError(f"no function of the template is subscribed to {topic_arn}")
        event = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                              "EventSubscriptionArn": f"{topic_arn}:local",
                              "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn,
                                      "Message": message, "MessageAttributes": {}}}]}
        return [self.run(self.stack.functions[t.function], event) for t in targets]

    def queue_sources(self) -> list[tuple[Function, Any]]:
        """Every SQS event source of the template, with the function it runs."""
        return [(function, source) for function in self.stack.functions.values()
                for source in function.events if source.kind == "SQS"]

    def poll_queues(self) -> int:
        """One poll of every SQS event source, as Lambda's event source mapping does; returns the messages run."""
        return sum(self.poll_queue(function, source) for function, source in self.queue_sources())

    def poll_queue(self, function: Function, source: Any) -> int:
        """One receive (up to the source's batch size) and one invocation; returns the messages received. The
        messages the function did not name as failed are deleted; the others come back after the visibility
        timeout (and go to the dead-letter queue after the queue's maxReceiveCount), as on AWS."""
        arn = str(source.properties["Queue"])
        sqs = self._sqs_client()
        url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        batch = min(int(source.properties.get("BatchSize", 10)), 10)
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch,
                                  AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return 0
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m.get("MD5OfBody"), "eventSource": "aws:sqs", "eventSourceARN": arn,
                    "awsRegion": region()} for m in got]
        try:
            answer = self.run(function, {"Records": records})
        except Exception:
            from chalicelib.logs import logger

            logger.exception("SQS batch failed: its messages return to the queue", extra={"function": function.name})
            return len(got)
        failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])} \
            if isinstance(answer, dict) else set()
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
                if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=done)
        return len(got)

    def _sqs_client(self) -> Any:
        if self._sqs is None:
            import boto3

            self._sqs = boto3.client("sqs")  # the event source mapping's, not a function's: no role applies
        return self._sqs


def scheduled_event(function: Function, now_iso: str) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": now_iso, "region": region(),
            "resources": [f"arn:aws:events:{region()}:{ACCOUNT}:rule/{function.name}"], "detail": {}}


# --- the botocore hooks (installed once per process; they ask whichever runtime is current)

def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["memberlink_api_params"] = params


def _before_call(model: Any, context: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
    runtime = _runtime
    if runtime is None:
        return None
    return runtime.on_call(model, dict(context.get("memberlink_api_params") or {}))


def _hook_clients() -> None:
    global _hooked
    with _hook_lock:
        if _hooked:
            return
        from botocore.client import ClientCreator

        original = ClientCreator.create_client

        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("before-parameter-build", _remember_params)
            client.meta.events.register_first("before-call", _before_call)
            return client

        ClientCreator.create_client = create_client
        _hooked = True


_FUNCTION_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)(/invocations)?/?$")


def serve_over_http() -> None:
    """Lambda's own HTTP API (GetFunction, Invoke) on the embedded AWS's endpoint, answered by the current local
    Lambda: another process (``manage.py smoke``, the AWS CLI) reaches the same functions by name or ARN."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, "_memberlink_lambda", False):
        return
    dispatch = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        match = _FUNCTION_PATH.match(str(environ.get("PATH_INFO", "")))
        runtime = _runtime
        if match is None or runtime is None:
            return dispatch(self, environ, start_response)
        name = unquote(match.group(1))
        if match.group(2):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            http, parsed = runtime.invoke(name, body, str(environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")))
        else:
            function = runtime.stack.function(name)
            http, parsed = _error(404, "ResourceNotFoundException", f"Function not found: {name}") if function is None \
                else _answer(200, {"Configuration": {
                    "FunctionName": function.name, "FunctionArn": function.arn, "Handler": function.handler,
                    "Timeout": function.timeout, "MemorySize": function.memory, "State": "Active",
                    "Role": f"arn:aws:iam::{ACCOUNT}:role/{function.role}"}})
        headers = [("Content-Type", "application/json")]
        if "Error" in parsed:
            headers.append(("X-Amzn-ErrorType", parsed["Error"]["Code"]))
            data = json.dumps({"Type": "User", "message": parsed["Error"]["Message"]}).encode()
        elif "Payload" in parsed:
            data = parsed["Payload"].read()
            if parsed.get("FunctionError"):
                headers.append(("X-Amz-Function-Error", parsed["FunctionError"]))
        else:
            data = json.dumps({k: v for k, v in parsed.items() if k != "ResponseMetadata"}).encode()
        start_response(f"{http.status_code} {'OK' if http.status_code < 300 else 'Error'}",
                       [*headers, ("Content-Length", str(len(data)))])
        return [data]

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
    DomainDispatcherApplication._memberlink_lambda = True  # type: ignore[attr-defined]


def boot(api_url: str, *, template_file: Any = None, asynchronous: bool = True, enforce_roles: bool = True,
         empty: bool = False) -> LocalLambda:
    """The local stage's packaged template, deployed on the embedded AWS and run by a local Lambda.

    The process takes the functions' environment from the template (one process runs them all, so the
    template must give them one environment), installs the Lambda, then creates the template's tables,
    bucket, topics, queues and parameters. ``api_url`` is where the local API listens: the RestAPI's URL.
    """
    import os

    from local.cloudformation import load, packaged
    from local.resources import deploy

    stack = load(packaged("local", template_file), api_url)
    os.environ.update(shared_environment(stack))
    runtime = LocalLambda(stack, asynchronous=asynchronous, enforce_roles=enforce_roles).install()
    deploy(stack, empty=empty)
    return runtime


def shared_environment(stack: LocalTemplate) -> dict[str, str]:
    environments = {f.logical_id: f.environment for f in stack.functions.values()}
    first = next(iter(environments.values()))
    differing = sorted(lid for lid, env in environments.items() if env != first)
    if differing:
        raise SystemExit(f"the template gives {', '.join(differing)} another environment than the others: the local "
                         "stack runs every function in one process (infra/template.py wiring_environment)")
    return first
