"""The local stack's one-event-at-a-time lock serves what people wait for before the email consumers."""

from __future__ import annotations

import threading
import time

from local_runner.turns import Turns


def test_a_background_event_waits_while_a_foreground_one_is_waiting() -> None:
    turns = Turns()
    order: list[str] = []
    holding = threading.Event()

    def hold() -> None:
        with turns.turn(background=False):
            holding.set()
            time.sleep(0.2)
            order.append("first")

    def run(name: str, background: bool) -> None:
        with turns.turn(background=background):
            order.append(name)

    first = threading.Thread(target=hold)
    first.start()
    holding.wait()
    email = threading.Thread(target=run, args=("email", True))
    email.start()
    time.sleep(0.05)  # the email consumer is waiting when the submission comes
    submission = threading.Thread(target=run, args=("submission", False))
    submission.start()
    for thread in (first, email, submission):
        thread.join(timeout=5)
    assert order == ["first", "submission", "email"]


def test_a_turn_can_be_taken_again_inside_itself() -> None:
    turns = Turns()
    with turns.turn(background=False), turns.turn(background=True):
        pass
    with turns.turn(background=True), turns.turn(background=False):
        pass
