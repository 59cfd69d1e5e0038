"""The guided relief flows as a state machine over the steps defined in content/flows.toml.

Pure: no Telegram, no I/O. The handler loads the person's state, calls `press`, saves the new
state and renders it. Three flows: `now` (place unknown), `bed` (in bed / on land: one method at
a time, the person's helpful methods first) and `swim` (in the water).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.content import FLOW_ACTIONS, FlowDef, FlowStep, FlowTexts
from bot.text_schema import uses

# A flow step's buttons name these actions; the engine knows each (labels in flows.toml).
uses(__name__, "flows.toml", "buttons", " ".join(sorted(FLOW_ACTIONS)))

# Steps the engine itself provides (the thank-you after feedback) or names in callback data.
DONE = "done"
NEW = "new"  # callback step meaning "start this flow afresh", valid in any state
HELPED = "helped"  # button: feedback for a method (argument: the method id)
# Buttons that start a flow afresh: only these need the person's helpful methods.
STARTS_FLOW = frozenset({"restart", "bed", "still", "swim"})
# Actions that end the flow and hand over to another part of the bot.
HAND_OFF = frozenset({"menu", "remind_bedtime", "remind_preswim"})


class FlowError(ValueError):
    """A press that does not fit the flow definitions (forged or outdated data)."""


@dataclass(frozen=True)
class FlowState:
    flow: str
    step: str
    order: tuple[str, ...] = ()  # the bed flow's methods, in the order this person gets them
    tried: tuple[str, ...] = ()  # methods shown so far, in order
    helped: str | None = None  # feedback given at the end
    # The person said a method helped before: it comes right after the stretch (or the stretch
    # itself helped). The name is kept for saved states.
    first_from_history: bool = False

    def to_data(self) -> dict[str, Any]:
        return {
            "order": list(self.order),
            "tried": list(self.tried),
            "helped": self.helped,
            "first_from_history": self.first_from_history,
        }

    @classmethod
    def from_data(cls, flow: str, step: str, data: Mapping[str, Any]) -> FlowState:
        return cls(
            flow=flow,
            step=step,
            order=tuple(str(m) for m in data.get("order", [])),
            tried=tuple(str(m) for m in data.get("tried", [])),
            helped=data.get("helped"),
            first_from_history=bool(data.get("first_from_history", False)),
        )


@dataclass(frozen=True)
class Outcome:
    """What a press leads to: a new state to show, and/or something for the handler to do."""

    state: FlowState | None
    hand_off: str | None = None  # one of HAND_OFF
    feedback: tuple[str, str] | None = None  # (method, outcome) to record


class FlowEngine:
    def __init__(self, texts: FlowTexts) -> None:
        self.texts = texts
        self.flows: Mapping[str, FlowDef] = texts.flows
        self._check()

    def _check(self) -> None:
        """Every button must lead somewhere that exists in its flow."""
        needs = {"eased": "eased", "out": "after", "next": "exhausted"}
        if "severe" not in self.flows.get("bed", FlowDef("bed", "", {})).steps:
            raise FlowError("flow.bed needs a 'severe' step (other flows fall back to it)")
        for name in ("now", "bed", "swim"):
            if name not in self.flows:
                raise FlowError(f"flows.toml has no flow {name!r}")
        for flow in self.flows.values():
            for step in flow.steps.values():
                for button in step.buttons:
                    target = needs.get(button)
                    if target and target not in flow.steps:
                        raise FlowError(
                            f"flow.{flow.id}.steps.{step.id}: button {button!r} needs a step "
                            f"{target!r} in flow {flow.id!r}"
                        )
                    if button == "next" and not flow.methods:
                        raise FlowError(f"flow.{flow.id}: 'next' needs a methods list")

    # --- queries ------------------------------------------------------------------------

    def step(self, state: FlowState) -> FlowStep | None:
        """The content step for a state (None for the engine's own DONE step)."""
        if state.step == DONE:
            return None
        return self.flows[state.flow].steps[state.step]

    def is_valid(self, flow: str, step: str) -> bool:
        return flow in self.flows and (step in (DONE, NEW) or step in self.flows[flow].steps)

    def buttons(self, state: FlowState) -> list[tuple[str, str | None]]:
        """(button name, argument) pairs for the state, in display order."""
        if state.step == DONE:
            offer = "remind_preswim" if state.flow == "swim" else "remind_bedtime"
            return [(offer, None), ("menu", None)]
        step = self.step(state)
        assert step is not None
        if state.step == "eased" and state.tried:
            # "What helped?": each method tried, newest first, then "not sure".
            pairs: list[tuple[str, str | None]] = [(HELPED, m) for m in reversed(state.tried)]
            pairs.append(("not_sure", None))
            return pairs + [(name, None) for name in step.buttons]
        return [(name, None) for name in step.buttons]

    # --- transitions --------------------------------------------------------------------

    def start(self, flow_id: str, helpful: Sequence[str] = ()) -> FlowState:
        """A fresh state. The bed flow keeps the stretch first (the one method with good
        evidence) and puts the methods that helped this person before right after it."""
        flow = self.flows.get(flow_id)
        if flow is None:
            raise FlowError(f"no flow {flow_id!r}")
        if flow.start != "method":
            return FlowState(flow_id, flow.start)
        preferred = [m for m in dict.fromkeys(helpful) if m in flow.methods]
        first = flow.methods[0]
        order = (first, *(m for m in preferred if m != first))
        order = (*order, *(m for m in flow.methods if m not in order))
        return FlowState(
            flow_id,
            self._method_step(flow, first),
            order=order,
            tried=(first,),
            first_from_history=bool(preferred),
        )

    def press(
        self, state: FlowState, button: str, arg: str | None = None, helpful: Sequence[str] = ()
    ) -> Outcome:
        if button == HELPED:
            if arg not in state.tried:
                raise FlowError(f"feedback for a method not tried: {arg!r}")
            done = replace(state, step=DONE, helped=arg)
            return Outcome(done, feedback=(arg, "helped"))
        names = {name for name, _ in self.buttons(state)}
        if button not in names:
            raise FlowError(f"no button {button!r} on step {state.flow}.{state.step}")
        if button in HAND_OFF:
            return Outcome(None, hand_off=button)
        if button == "not_sure":
            return Outcome(replace(state, step=DONE, helped=None), feedback=("any", "not_sure"))
        return Outcome(self._move(state, button, helpful))

    def _move(self, state: FlowState, button: str, helpful: Sequence[str]) -> FlowState:
        """Where a button without feedback or hand-off leads."""
        restart = {"restart": state.flow, "bed": "bed", "still": "bed", "swim": "swim"}
        if button in restart:
            return self.start(restart[button], helpful)
        if button in ("out", "eased"):
            return replace(state, step={"out": "after", "eased": "eased"}[button])
        if button == "severe":
            flow = state.flow if "severe" in self.flows[state.flow].steps else "bed"
            return replace(state, flow=flow, step="severe")
        if button == "next":
            return self._next_method(state)
        raise FlowError(f"unhandled button {button!r}")

    # --- helpers ------------------------------------------------------------------------

    def _method_step(self, flow: FlowDef, method: str) -> str:
        for step in flow.steps.values():
            if step.method == method:
                return step.id
        raise FlowError(f"flow {flow.id!r} has no step for method {method!r}")

    def _next_method(self, state: FlowState) -> FlowState:
        flow = self.flows[state.flow]
        remaining = [m for m in state.order if m not in state.tried]
        if not remaining:
            return replace(state, step="exhausted")
        method = remaining[0]
        return replace(state, step=self._method_step(flow, method), tried=(*state.tried, method))

    def current_method(self, state: FlowState) -> str | None:
        step = self.step(state)
        return step.method if step else None
