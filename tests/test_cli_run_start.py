"""`clusterbot run` with a token Telegram refuses, or a Bot API it cannot reach, stops with
one line naming the setting (README: Settings), not a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli_env import clean_env


class _Unauthorized(BaseHTTPRequestHandler):
    """Answers every Bot API method as Telegram does for a wrong token."""

    def do_POST(self) -> None:  # http.server calls it by this name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def unauthorized_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(tmp_path: Path, api_server: str) -> subprocess.CompletedProcess[str]:
    env = {
        **clean_env(),
        "CLUSTERBOT_DB": str(tmp_path / "bot.db"),
        "CLUSTERBOT_TELEGRAM_TOKEN": "123456:wrong",
        "CLUSTERBOT_TELEGRAM_API_SERVER": api_server,
        "CLUSTERBOT_LISTEN": f"127.0.0.1:{_free_port()}",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_refused_token_names_the_setting(tmp_path: Path, unauthorized_api: str) -> None:
    done = _run(tmp_path, unauthorized_api)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr, done.stderr
    assert _last_line(done.stderr).startswith("clusterbot: CLUSTERBOT_TELEGRAM_TOKEN:")


def test_unreachable_api_names_the_setting(tmp_path: Path) -> None:
    done = _run(tmp_path, f"http://127.0.0.1:{_free_port()}")  # nothing listens there
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert "CLUSTERBOT_TELEGRAM_API_SERVER" in _last_line(done.stderr)
