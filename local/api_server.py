"""Chalice's local server, answering unknown routes and methods the way the deployed API does.

Chalice's local gateway answers an unknown path with API Gateway's own 403 ("Missing
Authentication Token", or an AWS signature complaint that echoes the Authorization header back),
and its request handler answers any method it has no ``do_X`` for with an HTML 501. Here an
unknown path is the contract's 404 ``not_found`` (the deployed stage's gateway responses say the
same, see infra/template.py) and any method reaches the app, which answers 405 for a known path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    ThreadedHTTPServer,
)

from local.lambdas import LocalLambda

NOT_FOUND_MESSAGE = "no such route: check the method and path against openapi.yaml"


class RouteNotFound(LocalGatewayException):
    CODE = 404


def not_found_body() -> bytes:
    return json.dumps({"error": {"code": "not_found", "message": NOT_FOUND_MESSAGE}}).encode()


class ContractGateway(LocalGateway):
    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            return super()._generate_lambda_event(method, path, headers, body)
        except ValueError:
            # Never the request's headers in the answer: the Authorization header holds a key.
            raise RouteNotFound({"Content-Type": "application/json"}, not_found_body()) from None


class ContractRequestHandler(ChaliceRequestHandler):
    runtime: LocalLambda | None = None  # set per server: every request runs as the API handler, under its role
    function_id = ""

    def __init__(self, request: bytes, client_address: tuple[str, int], server: Any, app_object: Chalice,
                 config: Config) -> None:
        self.local_gateway = ContractGateway(app_object, config)
        # Skip ChaliceRequestHandler.__init__, which would build Chalice's own gateway.
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def handle_one_request(self) -> None:
        # Every method of a request (Chalice binds do_GET and friends to its own handler) runs as the API function.
        if self.runtime is None:
            super().handle_one_request()
            return
        with self.runtime.acting_as(self.function_id):
            super().handle_one_request()

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler looks up do_<METHOD>: every method goes to the app (405 on a known path).
        if name.startswith("do_") and name[3:].isalpha() and name[3:].isupper():
            return self._generic_handle
        raise AttributeError(name)


class QueueingServer(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets connects beyond it: a burst of senders (a platform's
    # retries, the load run's 16 senders) waits in the queue instead, as behind API Gateway.
    request_queue_size = 128


def create_api_server(app: Chalice, config: Config, host: str, port: int,
                      runtime: LocalLambda | None = None) -> LocalDevServer:
    """As ``chalice.local.create_local_server``, with the handler above and a longer listen queue.

    With a local Lambda, requests run as the template's API function (the one whose handler is the app)."""
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    handler: type[ContractRequestHandler] = ContractRequestHandler
    if runtime is not None:
        (function_id,) = [f.logical_id for f in runtime.stack.functions.values() if f.handler == API_HANDLER]
        handler = type("ApiFunctionRequestHandler", (ContractRequestHandler,),
                       {"runtime": runtime, "function_id": function_id})
    return LocalDevServer(app, config, host, port, handler_cls=handler, server_cls=QueueingServer)


API_HANDLER = "app.app"  # the handler Chalice gives the API's function
