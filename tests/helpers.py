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


def standin_in_thread(bus_address, emulators, **kw):
    """The stand-in on its own event loop in a thread, so the CLI can run in the main thread.
    Returns the stand-in, a function that closes it, and its loop (for faults on request)."""
    import threading

    from sensor.standin.server import BlueZStandin

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box = {}

    def serve():
        asyncio.set_event_loop(loop)
        box["st"] = loop.run_until_complete(BlueZStandin(bus_address, emulators, **kw).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(20)

    def close():
        asyncio.run_coroutine_threadsafe(box["st"].close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return box["st"], close, loop


def min_jerk_curve(points, rate=100.0):
    """Minimum-jerk moves through (duration_s, target_deg) points from the first angle; a
    duration with the same target is a hold. Returns t, elevation, elevation rate (the rep
    criteria's tests feed these exact curves to the detector: no mounting, no filter)."""
    import numpy as np

    e = [np.array([points[0][1]])]
    for dur, target in points[1:]:
        n = int(dur * rate)
        tau = np.arange(1, n + 1) / n
        start = e[-1][-1]
        e.append(start + (target - start) * (10 * tau**3 - 15 * tau**4 + 6 * tau**5))
    el = np.concatenate(e)
    t = np.arange(len(el)) / rate
    return t, el, np.gradient(el, t)


def detector_reps(posture, t, e, v, chunk=None, cfg=None, shocks=()):
    """Reps of a fresh RepDetector fed an exact elevation curve in one piece, or in pieces of
    ``chunk`` samples, each piece with the foot contacts (times) that fall in it, as the pipeline
    passes them: the rep criteria's tests check each criterion and its chunk invariance so."""
    import numpy as np

    from sensor.core.phases import RepDetector

    det = RepDetector(posture, cfg)
    shocks = np.asarray(shocks, float)
    step = chunk or len(t)
    for a in range(0, len(t), step):
        b = min(a + step, len(t))
        mine = shocks[(shocks >= t[a]) & (shocks <= t[b - 1])]
        det.process(t[a:b], e[a:b], v[a:b], np.zeros(b - a, bool), shocks=mine)
    return det.reps


def supine_first_set(seed_key, stand_s):
    """A drawn person walks in for 20 s, stands ``stand_s``, lies down and does a set of six
    supine glides (no wiggles). Returns (rng, person, motion, glider) to go on from, the random
    numbers drawn in this order for any session that continues."""
    import numpy as np

    from sensor.sim import activities as act
    from sensor.sim import exercise as ex
    from sensor.sim import motion as mo
    from sensor.sim.people import Person

    rng = np.random.default_rng(seed_key)
    person = Person.draw(rng)
    m = mo.new_motion(400.0 if person.rate_hz > 100 else 200.0, "supine")
    g = ex.Glider.draw(rng, "supine")
    act.walk(m, rng, 20.0)
    act.stand_still(m, rng, stand_s)
    act.lie_down(m, rng)
    ex.to_start_pose(m, rng, g, "supine")
    ex.glide_set(m, rng, g, "supine", 6, wiggles=False)
    return rng, person, m, g


def turn_box_on_the_floor(m):
    """The foot back on the floor, a rest, the box turned by 90 deg about the shin, a rest."""
    m.move(2.0, e=-45.0, p=45.0)
    m.hold(2.0)
    m.move(1.0, strap=m.state["strap"] + 90.0)
    m.hold(2.0)


def use_block_parser(name, monkeypatch):
    """Make the trace reader parse with ``name``: "pyarrow" (the 'fast' extra, part of the test
    extra) or "numpy" (what a plain install has)."""
    from sensor.io import fastcsv

    if name == "numpy":
        monkeypatch.setattr(fastcsv, "_arrow", ())
    else:
        assert fastcsv.available(), "pyarrow is part of the test extra"
    return name


def with_each_block_parser(outcome, path):
    """``outcome(path)`` read with the pyarrow block parser, then with numpy's: (fast, slow)."""
    import pytest

    with pytest.MonkeyPatch.context() as mp:
        use_block_parser("pyarrow", mp)
        fast = outcome(path)
        use_block_parser("numpy", mp)
        slow = outcome(path)
    return fast, slow


def outage_run(
    bus_address, emu, rate_hz, on_chunk, *, on_packets=None, speed=1.0, silence_s=1.0, warm=50, after=50, wait_s=10
):
    """A stand-in device silenced once, end to end through bleak and ``SensorLink`` (a coroutine
    to run): stream ``warm`` samples, silence the device ``silence_s`` s (a hung firmware: samples
    made and never sent), wait until the link reports lost samples and ``after`` more samples
    came, then stop (the stand-in's seated 2-rep session of seed 6). ``on_chunk(chunk,
    loop_time)`` sees every delivered chunk, ``on_packets(out)`` every list of notifications the
    device sends. Returns (the link, the samples the device made and never sent: those made less
    those put into notifications)."""
    from sensor.ble.link import SensorLink
    from sensor.standin.server import BlueZStandin

    delivered = 0  # samples the device put into notifications (not those made while silent)
    got = 0  # samples the link delivered
    packets = emu.packets

    def counted_packets(part):
        nonlocal delivered
        delivered += len(part)
        out = packets(part)
        if on_packets is not None:
            on_packets(out)
        return out

    emu.packets = counted_packets

    async def go():
        nonlocal got
        st = await BlueZStandin(bus_address, [emu], speed=speed, reps=2, posture="seated", seed=6).start()
        loop = asyncio.get_running_loop()

        def chunk_in(chunk):
            nonlocal got
            got += len(chunk)
            on_chunk(chunk, loop.time())

        link = SensorLink(emu.name, rate_hz, on_chunk=chunk_in, scan_timeout=0.5)
        try:
            await link.find()
            task = asyncio.create_task(link.run())
            await wait_for(lambda: got >= warm, 30)
            st.silence(emu.address, silence_s)
            await wait_for(lambda: link.stats.lost_samples > 0, wait_s)
            n = got
            await wait_for(lambda: got >= n + after, wait_s)
            await link.stop()
            await asyncio.wait_for(task, 10)
        finally:
            await st.close()
        return link, st.sent_samples[emu.address] - delivered

    return go()


def assert_live_matches_offline(cs, sizes, config=None):
    """The corpus session ``cs`` analysed whole and fed in pieces of each size in ``sizes``: the
    same reps, and the mounting settled at the same sample time (live must equal offline)."""
    from sensor.core.pipeline import analyze

    offline, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=config)
    for size in sizes:
        live, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=size, config=config)
        assert live.reps == offline.reps, size
        assert live.settled_at == offline.settled_at, size


def run_in_pieces(p, chunk, step=None):
    """Feed ``chunk`` to the pipeline ``p`` whole (``step`` None) or in live pieces of ``step``
    samples, finish it and return it: the switch-a-rule-off tests run both ways."""
    n = len(chunk)
    for a in range(0, n, step or n):
        p.feed(chunk.slice(a, min(a + (step or n), n)))
    p.finish()
    return p
