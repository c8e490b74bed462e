"""Holders: the grown objects are traced back to the module global, class attribute or thread
frame that keeps them, by name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from leakbench.probe import InProcessProbe
from leakbench.probe.growth import GrowthHistory
from leakbench.probe.holders import find_holders


class Session:
    def __init__(self, number: int) -> None:
        self.number = number
        self.events = [number]


class Registry:
    sessions: ClassVar[list[Session]] = []


_by_id: dict[int, Session] = {}
SESSION = f"{__name__}.Session"


@pytest.fixture(autouse=True)
def _empty_holders() -> Iterator[None]:
    yield
    _by_id.clear()
    Registry.sessions.clear()


def test_a_module_level_cache_is_named_with_its_module() -> None:
    for number in range(2000):
        _by_id[number] = Session(number)
    held = find_holders({SESSION: 2000})
    assert held[0]["holder"] == f"{__name__}._by_id"
    assert held[0]["kind"] == "module global"
    assert held[0]["path"] == f"{__name__}._by_id[…]"
    assert held[0]["samples"] == held[0]["sampled"] == 5


def test_a_class_attribute_is_named_with_its_class() -> None:
    Registry.sessions.extend(Session(number) for number in range(2000))
    held = find_holders({SESSION: 2000}, per_type=4)
    assert [(h["holder"], h["kind"], h["samples"]) for h in held] == [
        (f"{__name__}.Registry.sessions", "class attribute", 4)
    ]


def test_a_local_of_another_thread_is_named_with_the_thread_and_function() -> None:
    ready, done = threading.Event(), threading.Event()

    def serve() -> None:
        pending = [Session(number) for number in range(2000)]
        ready.set()
        done.wait(10)
        pending.clear()

    worker = threading.Thread(target=serve, name="acceptor")
    worker.start()
    try:
        ready.wait(10)
        held = find_holders({SESSION: 2000})
    finally:
        done.set()
        worker.join()
    assert held[0]["holder"] == "acceptor:serve().pending"
    assert held[0]["kind"] == "thread frame"


def test_new_instances_are_sampled_not_old_ones() -> None:
    """The newest `growth` instances are followed: old ones held elsewhere are not the growth."""
    Registry.sessions.extend(Session(number) for number in range(3000))
    for number in range(500):
        _by_id[number] = Session(number)
    held = find_holders({SESSION: 500})
    assert [h["holder"] for h in held] == [f"{__name__}._by_id"]


def test_a_checkpoint_names_the_holders_of_the_growth_and_the_attribution_keeps_them() -> None:
    with InProcessProbe(objects=True, top=5) as probe:
        probe.checkpoint(baseline=True)
        for round_number in range(3):
            for number in range(500):
                _by_id[round_number * 500 + number] = Session(number)
            checkpoint = probe.checkpoint()
        attribution = probe.final_attribution()
    assert any(h["holder"] == f"{__name__}._by_id" for h in checkpoint["holders"])
    session_holders = [h for h in attribution["holders"] if h["type"] == SESSION]
    assert session_holders[0]["holder"] == f"{__name__}._by_id"


def test_what_only_the_probe_holds_is_not_the_targets_growth() -> None:
    """The agent's thread reaches the probe's own bookkeeping; a chain through one of the
    probe's objects names no holder of the target."""
    history = GrowthHistory()
    history.record({Session(number): number for number in range(2000)})  # type: ignore[misc]
    _by_id[0] = history  # type: ignore[assignment]
    assert find_holders({SESSION: 2000}) == []
