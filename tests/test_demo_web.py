"""`clusterbot demo` serves the web pages (issue 16): the public page of the demo cluster on
CLUSTERBOT_LISTEN, with links pointing at it, and the CDA's /dashboard link opens there; a
port already taken costs one line, not the chat."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.cli.demo_web import with_public_url
from bot.config import Settings
from tests.cli_env import clean_env
from tests.e2e.harness import free_port

WEB_LINE = re.compile(r"Web pages: (http://127\.0\.0\.1:\d+)/c/BAGRU \(send /dashboard")
SIGN_IN = re.compile(r"(http://127\.0\.0\.1:\d+/dashboard/signin/[A-Za-z0-9_-]+)")


def demo_env(port: int) -> dict[str, str]:
    return {**clean_env(), "CLUSTERBOT_LISTEN": f"127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"}


async def read_until(stream: asyncio.StreamReader, pattern: re.Pattern[str]) -> re.Match[str]:
    seen: list[str] = []
    while True:
        line = (await asyncio.wait_for(stream.readline(), 60)).decode()
        assert line, "the demo ended before printing it:\n" + "".join(seen)
        seen.append(line)
        found = pattern.search(line)
        if found:
            return found


async def test_the_demo_serves_the_public_page_and_the_sign_in(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--as", "cda",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=tmp_path, env=demo_env(port),
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        base = (await read_until(proc.stdout, WEB_LINE)).group(1)
        assert base == f"http://127.0.0.1:{port}"  # the demo's own listener, no setting needed
        proc.stdin.write(b"/dashboard\n")
        await proc.stdin.drain()
        link = (await read_until(proc.stdout, SIGN_IN)).group(1)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/c/BAGRU") as page:
                assert page.status == 200, await page.text()
            async with http.get(link) as confirm:  # the confirmation page, not spent
                assert confirm.status == 200
            token = link.rsplit("/", 1)[1]
            async with http.post(
                f"{base}/dashboard/signin", data={"token": token}, allow_redirects=False
            ) as signed_in:
                assert signed_in.status == 303
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        err = (await proc.stderr.read()).decode()
        assert "Traceback" not in err, err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_a_taken_port_costs_the_web_pages_not_the_chat(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "demo", "--as", "cda"],
            input="/report\n/quit\n", capture_output=True, text=True, cwd=tmp_path,
            env=demo_env(port), timeout=90,
        )  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("Web pages:")]
    assert "not served" in line and f"127.0.0.1:{port}" in line and "port is taken" in line
    assert "which period" in result.stdout  # the chat went on


def test_the_demo_links_point_at_its_listener_unless_set() -> None:
    base = Settings()
    assert with_public_url(base).public_url == "http://127.0.0.1:8080"
    everywhere = replace(base, listen_host="0.0.0.0", listen_port=9000)
    assert with_public_url(everywhere).public_url == "http://127.0.0.1:9000"
    own = replace(base, public_url="https://cluster.example.org")
    assert with_public_url(own).public_url == "https://cluster.example.org"
