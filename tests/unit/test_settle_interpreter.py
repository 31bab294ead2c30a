"""The app settles the interpreter once started: the collector leaves start-up's objects alone."""

from __future__ import annotations

import gc

from deskmail.app import YOUNG_COLLECTION_THRESHOLD, settle_interpreter


def test_start_up_objects_are_frozen_and_young_collections_rarer() -> None:
    thresholds = gc.get_threshold()
    long_lived = [object() for _ in range(10)]  # a container the collector tracks, as the window's are
    try:
        settle_interpreter()
        assert gc.get_freeze_count() > 0
        assert not any(long_lived is o for o in gc.get_objects(generation=2))  # a full collection skips it
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
