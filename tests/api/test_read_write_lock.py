"""The data lock's policy, thread by thread, with a clock the tests move by hand.

No test depends on how fast threads run: each step waits (up to a generous
timeout) for a state the lock reports (``readers``, ``readers_waiting``,
``writers_waiting``, ``writing``) or for an event a thread sets once it holds
the lock. Time only passes when a test advances the fake clock.
"""

import threading
import time

import pytest

from touchpath.api.deps import ReadWriteLock

TIMEOUT = 20.0


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.002)


class Holder:
    """A thread that takes the lock (``read`` or ``write``) and holds it until released."""

    def __init__(self, lock: ReadWriteLock, side: str, log: list[str], name: str) -> None:
        self.lock, self.side, self.log, self.name = lock, side, log, name
        self.holding = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        acquire = self.lock.acquire_read if self.side == "read" else self.lock.acquire_write
        give_back = self.lock.release_read if self.side == "read" else self.lock.release_write
        acquire()
        self.log.append(self.name)
        self.holding.set()
        self.release.wait(TIMEOUT)
        give_back()

    def start(self) -> "Holder":
        self.thread.start()
        return self

    def held(self) -> "Holder":
        assert self.holding.wait(TIMEOUT), f"{self.name} never got the lock"
        return self

    def done(self) -> None:
        self.release.set()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


@pytest.fixture
def clock():
    return FakeClock()


def test_a_reader_passes_a_writer_that_only_waits(clock):
    lock = ReadWriteLock(writer_patience_s=10, clock=clock)
    log: list[str] = []
    long_read = Holder(lock, "read", log, "long read").start().held()
    writer = Holder(lock, "write", log, "writer").start()
    wait_until(lambda: lock.writers_waiting == 1, "the writer waits for the long read")
    # the new reader is not held up by the waiting writer: it gets in at once
    assert lock.try_acquire_read()
    lock.release_read()
    cheap = Holder(lock, "read", log, "cheap read").start().held()
    assert not writer.holding.is_set() and lock.readers == 2
    cheap.done()
    long_read.done()
    writer.held()
    assert log == ["long read", "cheap read", "writer"]
    writer.done()


def test_a_writer_waiting_past_its_patience_goes_before_new_readers(clock):
    lock = ReadWriteLock(writer_patience_s=10, clock=clock)
    log: list[str] = []
    long_read = Holder(lock, "read", log, "long read").start().held()
    writer = Holder(lock, "write", log, "writer").start()
    wait_until(lambda: lock.writers_waiting == 1, "the writer waits")
    clock.advance(9.9)
    early = Holder(lock, "read", log, "early read").start().held()  # within the patience
    early.done()
    clock.advance(0.2)  # the writer has now waited 10.1 s: it has priority
    assert not lock.try_acquire_read()
    late = Holder(lock, "read", log, "late read").start()
    wait_until(lambda: lock.readers_waiting == 1, "the late reader queues behind the writer")
    long_read.done()
    writer.held()
    assert not late.holding.is_set()
    writer.done()
    late.held()
    assert log == ["long read", "early read", "writer", "late read"]
    late.done()


def test_readers_queued_behind_a_writer_go_before_the_next_writer(clock):
    lock = ReadWriteLock(writer_patience_s=10, clock=clock)
    log: list[str] = []
    first = Holder(lock, "write", log, "writer 1").start().held()
    reader = Holder(lock, "read", log, "reader").start()
    wait_until(lambda: lock.readers_waiting == 1, "the reader waits for writer 1's work")
    second = Holder(lock, "write", log, "writer 2").start()
    wait_until(lambda: lock.writers_waiting == 1, "writer 2 waits")
    first.done()
    reader.held()  # the reader waited for one writer's work, not for two
    assert not second.holding.is_set()
    reader.done()
    second.held()
    assert log == ["writer 1", "reader", "writer 2"]
    second.done()


def test_a_next_writer_with_priority_goes_before_queued_readers(clock):
    lock = ReadWriteLock(writer_patience_s=10, clock=clock)
    log: list[str] = []
    first = Holder(lock, "write", log, "writer 1").start().held()
    second = Holder(lock, "write", log, "writer 2").start()
    wait_until(lambda: lock.writers_waiting == 1, "writer 2 waits")
    clock.advance(11)  # writer 2 has waited out its patience
    reader = Holder(lock, "read", log, "reader").start()
    wait_until(lambda: lock.readers_waiting == 1, "the reader queues")
    first.done()
    second.held()
    assert not reader.holding.is_set()
    second.done()
    reader.held()
    assert log == ["writer 1", "writer 2", "reader"]
    reader.done()


def test_zero_patience_is_writer_preference(clock):
    lock = ReadWriteLock(writer_patience_s=0, clock=clock)
    log: list[str] = []
    long_read = Holder(lock, "read", log, "long read").start().held()
    writer = Holder(lock, "write", log, "writer").start()
    wait_until(lambda: lock.writers_waiting == 1, "the writer waits")
    assert not lock.try_acquire_read()
    long_read.done()
    writer.held()
    writer.done()
    assert lock.try_acquire_read()
    lock.release_read()


def test_holds_are_counted_not_owned_and_exclusive(clock):
    lock = ReadWriteLock(clock=clock)
    lock.acquire_read()
    released = threading.Thread(target=lock.release_read)
    released.start()
    released.join(TIMEOUT)
    assert lock.readers == 0
    with lock.write():
        assert lock.writing and not lock.try_acquire_read()
    assert not lock.writing and lock.try_acquire_read()
    lock.release_read()


def test_patience_must_not_be_negative():
    with pytest.raises(ValueError, match="writer_patience_s"):
        ReadWriteLock(writer_patience_s=-1)
