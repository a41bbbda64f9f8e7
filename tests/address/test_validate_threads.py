"""validate_many from several threads at once: the sequential answers, the collector left on."""

from __future__ import annotations

import gc
import threading

import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.profile import load_profile

THREADS = 4


@pytest.fixture(scope="module")
def texts(demo_dir) -> list[str]:
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    return frame["address"].sample(6000, random_state=11).tolist()


def test_concurrent_validate_many_gives_the_sequential_answers_with_gc_on(demo_dir, texts):
    profile = load_profile(demo_dir)
    sequential = Validator(profile)
    expected = [sequential.validate(text) for text in texts]  # one at a time, one thread
    shared = Validator(profile, reference=sequential.reference, locator=sequential.locator)
    thresholds = gc.get_threshold()
    results: dict[int, list] = {}
    errors: list[BaseException] = []
    off: list[bool] = []
    collections: list[int] = []
    running = threading.Event()
    done = threading.Event()
    start = threading.Barrier(THREADS + 1)

    def count(phase: str, info: dict) -> None:
        if phase == "stop" and running.is_set():
            collections.append(info["generation"])

    def work(i: int) -> None:
        try:
            start.wait()
            # each thread its own order of the texts, half of them on one shared validator
            order = texts[i * 1000:] + texts[:i * 1000]
            validator = shared if i % 2 else Validator(
                profile, reference=sequential.reference, locator=sequential.locator)
            answers = validator.validate_many(order)
            results[i] = answers[len(texts) - i * 1000:] + answers[:len(texts) - i * 1000]
        except BaseException as exc:  # reported below, with the thread's answers missing
            errors.append(exc)

    def watch() -> None:
        while not done.is_set():
            off.append(not gc.isenabled())
            done.wait(0.001)

    gc.callbacks.append(count)
    watcher = threading.Thread(target=watch)
    workers = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    try:
        watcher.start()
        for worker in workers:
            worker.start()
        running.set()
        start.wait()
        for worker in workers:
            worker.join()
    finally:
        running.clear()
        done.set()
        watcher.join()
        gc.callbacks.remove(count)
    assert not errors, errors
    assert sorted(results) == list(range(THREADS))
    for i in range(THREADS):
        assert results[i] == expected, f"thread {i}"
    assert off and not any(off)  # the collector was never switched off
    assert collections  # ... and it ran while the batches did
    assert gc.get_threshold() == thresholds  # its thresholds are back


def test_validate_many_leaves_the_collector_as_it_found_it(demo_dir, texts):
    validator = Validator(load_profile(demo_dir))
    before = gc.get_threshold()
    gc.set_threshold(1000, 15, 15)
    try:
        validator.validate_many(texts[:500])
        assert gc.isenabled() and gc.get_threshold() == (1000, 15, 15)
        with pytest.raises(Exception, match="must be text"):
            validator.validate_many(["12 main st", None])
        assert gc.isenabled() and gc.get_threshold() == (1000, 15, 15)
    finally:
        gc.set_threshold(*before)
