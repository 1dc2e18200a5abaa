"""The state table itself: complete, consistent, and matching the effects."""

from __future__ import annotations

from shanzhi.events import workflow
from shanzhi.events.services.effects import EFFECTS
from shanzhi.events.workflow import RESTORE, STEP_OF_STATE, TRANSITIONS, State


def test_every_transition_has_exactly_one_effect():
    assert set(EFFECTS) == set(TRANSITIONS)


def test_every_transition_leaves_and_enters_known_states():
    for spec in TRANSITIONS.values():
        assert spec.sources and spec.sources <= set(State.values), spec.name
        assert spec.target in (None, RESTORE, *State.values), spec.name
        assert set(spec.required).isdisjoint(spec.optional), spec.name


def test_every_state_but_reported_is_reachable_and_every_open_state_can_be_left():
    reached = {t.target for t in TRANSITIONS.values() if t.target not in (None, RESTORE)}
    assert reached | {State.REPORTED} == set(State.values)
    for state in workflow.OPEN_STATES:
        leaving = [t for t in TRANSITIONS.values() if state in t.sources and t.target]
        assert leaving, state


def test_finished_states_only_lead_back_through_reopen():
    for state in workflow.FINISHED_STATES:
        leaving = {t.name for t in TRANSITIONS.values() if state in t.sources}
        assert leaving <= {"reopen", "evaluate"}, (state, leaving)


def test_working_states_have_a_step_and_finished_states_none():
    for state in workflow.OPEN_STATES - {State.SUSPENDED}:
        assert STEP_OF_STATE[state], state
    for state in workflow.FINISHED_STATES | {State.SUSPENDED}:
        assert state not in STEP_OF_STATE


def test_reasons_are_required_wherever_work_is_refused_or_stopped():
    for name in ("reject", "return", "verify_fail", "reopen", "suspend", "cancel"):
        assert "reason" in TRANSITIONS[name].required, name
    assert TRANSITIONS["feedback"].required == ("comment",)
    assert TRANSITIONS["evaluate"].required == ("satisfaction",)
