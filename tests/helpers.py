"""Shared test helpers (importable because pytest puts tests/ on sys.path via conftest.py)."""

import asyncio


async def wait_for(pred, timeout, step=0.05):
    """Poll ``pred`` until true, or fail after ``timeout`` s of loop time: no fixed sleeps."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)
