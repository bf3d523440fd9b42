"""The local stack runs each function one event at a time and the functions side by side, but for the
API's, which share one turn (Powertools keeps their resolvers' current event on one class)."""

from __future__ import annotations

import threading

from local_runner.turns import Turns


def _inside_together(turns: Turns, first: str, second: str) -> bool:
    """Whether `second` takes its turn while `first` holds its own."""
    holding, inside, release = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with turns.turn(first):
            holding.set()
            release.wait(timeout=5)

    def take() -> None:
        with turns.turn(second):
            inside.set()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(timeout=5)
    taker = threading.Thread(target=take)
    taker.start()
    together = inside.wait(timeout=0.3)
    release.set()
    for thread in (holder, taker):
        thread.join(timeout=5)
    assert inside.is_set()  # the second turn came in the end, either way
    return together


def test_two_functions_run_side_by_side() -> None:
    assert _inside_together(Turns(), "MatchFunction", "NotifyFunction")


def test_a_function_runs_one_event_at_a_time() -> None:
    assert not _inside_together(Turns(), "NotifyFunction", "NotifyFunction")


def test_the_apis_functions_take_one_turn_among_themselves() -> None:
    turns = Turns(one_at_a_time={"SubmitRequestFunction", "ActionsFunction"})
    assert not _inside_together(turns, "SubmitRequestFunction", "ActionsFunction")
    assert _inside_together(turns, "SubmitRequestFunction", "MatchFunction")


def test_a_turn_can_be_taken_again_inside_itself() -> None:
    turns = Turns(one_at_a_time={"SubmitRequestFunction", "ActionsFunction"})
    with turns.turn("SubmitRequestFunction"), turns.turn("ActionsFunction"):
        pass
    with turns.turn("MatchFunction"), turns.turn("MatchFunction"):
        pass
