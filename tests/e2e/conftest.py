from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import TOKEN
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.stop()
