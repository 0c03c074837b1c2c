"""The trace reader's block stage: a file's data section as line-aligned blocks, parsed on worker
threads and handed back in file order.

Why: converting decimal text to float64 is nearly all of a reader's work, and both of its
vectorised parsers (pyarrow's cast, numpy's calls) release the GIL, so on a machine with two
cores two blocks can be parsed at once while the calling thread reads the file and applies the
row policy, which must see the rows in order. Memory stays flat: at most ``depth`` blocks are
in flight, whatever the file's length.

Blocks are read straight into their own ``bytes`` (one copy, from the OS) and cut after their
last LF; the partial line after the cut is read again at the start of the next block (a seek
back by less than one line) instead of being copied onto the next block's front. Each block
ends where the previous reader's fixed 1 MiB reads ended theirs, so the per-block checks
(the malformed-row limit) see the same blocks as before.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, TypeVar

__all__ = ["LineBlocks", "LineTooLong", "default_workers", "ordered_map"]

_T = TypeVar("_T")
_R = TypeVar("_R")


class LineTooLong(Exception):
    """No line end within ``max_line`` bytes: the file is not a trace (or is badly damaged)."""


class LineBlocks:
    """Iterate a binary file from its current position as blocks of whole LF-ended lines.

    A block holds ``size`` bytes or fewer, unless one line is longer: then it grows to hold
    that line (a damaged row the reader can skip and name), up to ``max_line`` bytes. After the
    iteration, ``tail`` holds the bytes of a last line that has no LF (empty when the file ends
    with one).
    """

    def __init__(self, f: BinaryIO, size: int, max_line: int) -> None:
        self._f, self._size, self._max_line = f, size, max_line
        self.tail = b""

    def __iter__(self) -> Iterator[memoryview]:
        f, size = self._f, self._size
        want = size
        while block := f.read(want):
            cut = block.rfind(b"\n") + 1
            while cut == 0 and len(block) >= size:  # a line longer than a block
                if len(block) >= self._max_line:
                    raise LineTooLong
                if not (more := f.read(size)):
                    break
                j = more.rfind(b"\n")
                cut = len(block) + j + 1 if j >= 0 else 0
                block += more
            if cut == 0:
                self.tail = block  # the end of the file: a line without its LF
                return
            if cut < len(block):
                f.seek(cut - len(block), os.SEEK_CUR)  # the partial line starts the next block
            # The next block ends where a reader of fixed ``size`` reads would end its next one, so
            # that block boundaries (and the per-block malformed-row check) do not move.
            want = size + len(block) - cut
            yield memoryview(block)[:cut]  # no copy of the block's text


def default_workers() -> int:
    """Parser threads: two where there are two cores (the caller's thread needs some CPU too)."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def ordered_map(
    fn: Callable[[_T], _R], items: Iterable[_T], workers: int, depth: int
) -> Generator[tuple[_T, _R], None, None]:
    """Yield ``(item, fn(item))`` in the order of ``items``, with ``fn`` run on ``workers`` threads.

    At most ``depth`` items are submitted ahead of the one being yielded (bounded memory). An
    exception from ``fn`` is raised when its item's turn comes; one from ``items`` after every
    item before it was yielded. With ``workers <= 1`` everything runs on the calling thread.
    """
    if workers <= 1:
        for x in items:
            yield x, fn(x)
        return
    window: deque[tuple[_T, Future[_R]]] = deque()
    pool = ThreadPoolExecutor(workers, thread_name_prefix="glide-parse")
    try:
        source = iter(items)
        while True:
            try:
                x = next(source)
            except StopIteration:
                break
            except BaseException:
                while window:  # what came before the failure first, as a serial reader would
                    x0, fut = window.popleft()
                    yield x0, fut.result()
                raise
            window.append((x, pool.submit(fn, x)))
            if len(window) > depth:
                x0, fut = window.popleft()
                yield x0, fut.result()
        while window:
            x0, fut = window.popleft()
            yield x0, fut.result()
    finally:
        for _, fut in window:
            fut.cancel()
        pool.shutdown(wait=True)
