"""The flow engine as plain functions, on the shipped flows.toml."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.content import load_content
from bot.flows import DONE, HELPED, FlowEngine, FlowError, FlowState
from bot.views import flow_screen


@pytest.fixture(scope="module")
def engine() -> FlowEngine:
    content = load_content(PROJECT_ROOT / "content", "en")
    assert content.flows is not None
    return FlowEngine(content.flows)


def test_now_offers_both_places(engine: FlowEngine) -> None:
    state = engine.start("now")
    assert [name for name, _ in engine.buttons(state)] == ["bed", "swim", "severe"]
    assert engine.press(state, "bed").state == engine.start("bed")
    swim = engine.press(state, "swim").state
    assert swim is not None
    assert (swim.flow, swim.step) == ("swim", "safety")


def test_bed_walks_every_method_then_runs_out(engine: FlowEngine) -> None:
    state = engine.start("bed")
    assert state.step == "stretch"
    seen = [engine.current_method(state)]
    while True:
        outcome = engine.press(state, "next")
        assert outcome.state is not None
        state = outcome.state
        if state.step == "exhausted":
            break
        seen.append(engine.current_method(state))
    assert seen == list(engine.flows["bed"].methods)
    assert state.tried == engine.flows["bed"].methods


def test_stretch_first_then_the_method_that_helped(engine: FlowEngine) -> None:
    state = engine.start("bed", helpful=["massage", "not_a_method"])
    assert state.order[:2] == ("stretch", "massage")
    assert state.step == "stretch"
    assert state.first_from_history
    nxt = engine.press(state, "next").state
    assert nxt is not None
    assert engine.current_method(nxt) == "massage"
    assert set(state.order) == set(engine.flows["bed"].methods)
    assert len(state.order) == len(engine.flows["bed"].methods)


def test_eased_asks_what_helped_and_records_it(engine: FlowEngine) -> None:
    state = engine.start("bed")
    state = engine.press(state, "next").state or state
    eased = engine.press(state, "eased").state
    assert eased is not None
    assert eased.step == "eased"
    choices = [(n, a) for n, a in engine.buttons(eased) if n == HELPED]
    assert choices == [(HELPED, "massage"), (HELPED, "stretch")]
    outcome = engine.press(eased, HELPED, "massage")
    assert outcome.feedback == ("massage", "helped")
    assert outcome.state is not None
    assert outcome.state.step == DONE


def test_feedback_for_untried_method_is_refused(engine: FlowEngine) -> None:
    eased = engine.press(engine.start("bed"), "eased").state
    assert eased is not None
    with pytest.raises(FlowError):
        engine.press(eased, HELPED, "lip")


def test_button_not_on_the_step_is_refused(engine: FlowEngine) -> None:
    with pytest.raises(FlowError):
        engine.press(engine.start("swim"), "next")


def test_severe_from_every_flow(engine: FlowEngine) -> None:
    for flow in ("now", "bed", "swim"):
        outcome = engine.press(engine.start(flow), "severe")
        assert outcome.state is not None
        assert outcome.state.step == "severe"


def test_swim_after_and_still_cramping(engine: FlowEngine) -> None:
    after = engine.press(engine.start("swim"), "out").state
    assert after is not None
    assert after.step == "after"
    assert engine.press(after, "remind_preswim").hand_off == "remind_preswim"
    still = engine.press(after, "still").state
    assert still is not None
    assert (still.flow, still.step) == ("bed", "stretch")


def test_state_round_trips_through_storage_data(engine: FlowEngine) -> None:
    state = engine.press(engine.start("bed", ["walk"]), "next").state
    assert state is not None
    again = FlowState.from_data(state.flow, state.step, state.to_data())
    assert again == state


def test_every_flow_screen_fits_telegram(engine: FlowEngine) -> None:
    content = load_content(PROJECT_ROOT / "content", "en")
    for flow in engine.flows.values():
        for step in flow.steps:
            state = FlowState(flow.id, step, order=flow.methods, tried=flow.methods[:2])
            for remaining in (None, 30):
                screen = flow_screen(content, engine, state, remaining)
                assert len(screen.text) <= 4096
                for row in screen.rows:
                    for button in row:
                        assert len(button.data.encode()) <= 64


def test_countdown_line_only_while_running(engine: FlowEngine) -> None:
    content = load_content(PROJECT_ROOT / "content", "en")
    state = engine.start("bed")
    running = flow_screen(content, engine, state, 20).text
    done = flow_screen(content, engine, state, None).text
    assert "20 s" in running
    assert "Has it eased?" in done
    assert running.rstrip().endswith("</i>")  # the disclaimer stays last
