"""Ours, not irctest's: its external_server controller, which also gives
the WebSocket tests a server started outside the suite, at
IRCTEST_WEBSOCKET_HOSTNAME and IRCTEST_WEBSOCKET_PORT (linechat's
--web-addr). Without them it is external_server exactly."""

import os
from typing import Optional, Tuple, Type

from irctest.controllers.external_server import ExternalServerController
from irctest.runner import NotImplementedByController


class ExternalWebSocketServerController(ExternalServerController):
    # A test case's setUp asks for the IRC address, then (for the
    # WebSocket tests) for the WebSocket's, then calls run().
    _next_is_websocket = False

    def get_hostname_and_port(self) -> Tuple[str, int]:
        if not self._next_is_websocket:
            self._next_is_websocket = True
            return super().get_hostname_and_port()
        hostname = os.environ.get("IRCTEST_WEBSOCKET_HOSTNAME")
        port = os.environ.get("IRCTEST_WEBSOCKET_PORT")
        self._next_is_websocket = False
        if not hostname or not port:
            raise NotImplementedByController("Websocket")
        return (hostname, int(port))

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        self._next_is_websocket = False


def get_irctest_controller_class() -> Type[ExternalWebSocketServerController]:
    return ExternalWebSocketServerController
