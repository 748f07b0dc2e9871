"""Start llama-cpp-python's own OpenAI-compatible server on loopback (tests and benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(model: Path, log: Path, context_size: int = 4096) -> Iterator[str]:
    """Yield the server's API root (http://127.0.0.1:PORT/v1) while it runs."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(context_size),
        "--verbose",
        "False",
        "--model_alias",
        "default",
        "--interrupt_requests",
        "False",
        "--cache",
        "True",
        "--cache_size",
        str(256 * 2**20),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.time() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{base}/models", timeout=2)
                    break
                except OSError:
                    if process.poll() is not None or time.time() > deadline:
                        raise RuntimeError(log.read_text()[-2000:]) from None
                    time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)
