"""The OpenAI-compatible backend against a small SSE server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from simulator.backends.openai import OpenAIBackend
from simulator.conversation.practice import Practice
from simulator.errors import ModelError
from simulator.ui.practice_handlers import PracticeHandlers


class FakeServer(ThreadingHTTPServer):
    mode = "ok"
    reply = "Honestly, it has been a strange week."
    requests: list[dict]


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if self.server.mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"model exploded")
            return
        if self.server.mode == "slow":
            time.sleep(2)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if self.server.mode == "garbage":
            self.wfile.write(b"data: this is not json\n\n")
            return
        for word in self.server.reply.split(" "):
            chunk = {"choices": [{"delta": {"content": word + " "}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer(("127.0.0.1", 0), Handler)
    srv.requests = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def url(srv: FakeServer) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/v1"


def run(backend: OpenAIBackend) -> str:
    messages = [{"role": "user", "content": "hi"}]
    return "".join(
        backend.stream(
            messages, max_tokens=50, temperature=0.5, seed=1, stop=["a", "b", "c", "d", "e", "f"]
        )
    )


def test_streams_pieces_and_sends_an_openai_request(server: FakeServer) -> None:
    backend = OpenAIBackend(url(server), api_key="secret", model_name="qwen")
    assert run(backend).strip() == server.reply
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["stream"] is True and request["body"]["model"] == "qwen"
    assert len(request["body"]["stop"]) == 4 and request["auth"] == "Bearer secret"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("error", "answered 500: model exploded"),
        ("garbage", "not an OpenAI-style stream"),
    ],
)
def test_server_errors_are_clear(server: FakeServer, mode: str, message: str) -> None:
    server.mode = mode
    with pytest.raises(ModelError, match=message):
        run(OpenAIBackend(url(server)))


def test_slow_server_times_out_clearly(server: FakeServer) -> None:
    server.mode = "slow"
    with pytest.raises(ModelError, match="did not answer in time"):
        run(OpenAIBackend(url(server), timeout_s=0.5))


def test_server_down_is_clear() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ModelError, match="cannot reach the model server"):
        run(OpenAIBackend(f"http://127.0.0.1:{port}/v1"))


def test_bad_url_is_refused() -> None:
    with pytest.raises(ModelError, match="must start with http"):
        OpenAIBackend("localhost:8080")


def test_conversation_survives_a_server_failure_and_continues(server, store, library) -> None:
    handlers = PracticeHandlers(Practice(OpenAIBackend(url(server)), store), library)
    cid, _, _ = handlers.start("roadmap-gave-in", "medium")
    server.mode = "error"
    with pytest.raises(ModelError, match="answered 500"):
        list(handlers.send(cid, "What's on your mind?"))
    saved = store.load(cid)
    assert saved.awaiting_reply and saved.turns[-1].text == "What's on your mind?"
    server.mode = "ok"
    final_history, status = list(handlers.send(cid, ""))[-1]
    assert status == "Saved." and final_history[-1]["content"].startswith("Honestly")
    assert [t.speaker for t in store.load(cid).turns] == ["persona", "manager", "persona"]
