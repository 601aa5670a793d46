"""The decision benchmark's own arithmetic: what counts as a decision done, the CPU per decision,
how many plans to prepare, which documents ended out of order, and the top frames of a profile."""

from __future__ import annotations

from bench.decisions import cpu_used, effects_done, out_of_order, per_decision_ms, plans_to_prepare
from bench.profiles import top_frames


def test_a_decision_counts_only_when_every_consumers_inbox_holds_its_event() -> None:
    recorded = ["a", "b", "c", "d"]
    plans_inbox = ["a", "b", "c", "x"]  # x: an event recorded before the window
    notifications_inbox = ["b", "c", "d", "y"]

    assert effects_done(recorded, plans_inbox, notifications_inbox) == {"b", "c"}
    assert effects_done(recorded) == set(recorded)
    assert effects_done([], plans_inbox) == set()


def test_cpu_used_is_the_difference_and_a_process_started_meanwhile_counts_from_zero() -> None:
    used = cpu_used({"gateway": 10.0, "plans": 4.0}, {"gateway": 13.5, "plans": 4.0, "plans-consumer.2": 2.0})

    assert used == {"gateway": 3.5, "plans": 0.0, "plans-consumer.2": 2.0}


def test_cpu_per_decision_in_milliseconds_and_none_without_decisions() -> None:
    assert per_decision_ms(6.0, 600) == 10.0
    assert per_decision_ms(1.234, 1000) == 1.23
    assert per_decision_ms(5.0, 0) is None


def test_plans_to_prepare_tops_up_what_the_open_tasks_already_hold() -> None:
    assert plans_to_prepare(capacity=0, decisions_wanted=9000) == 3000
    assert plans_to_prepare(capacity=8000, decisions_wanted=9000) == 334  # 1,000 decisions: 333⅓ plans
    assert plans_to_prepare(capacity=9500, decisions_wanted=9000) == 0


def test_a_document_is_out_of_order_when_plans_did_not_reach_the_state_approvals_did() -> None:
    approvals = {
        "waiting-at-2": ("pending", 2),
        "approved": ("approved", 3),
        "fell-back": ("pending", 3),
        "not-completed": ("approved", 3),
        "returned": ("returned", 1),
    }
    plans = {
        "waiting-at-2": ("submitted", 2),
        "approved": ("approved", None),
        "fell-back": ("submitted", 2),
        "not-completed": ("submitted", 3),
        "returned": ("draft", None),
    }

    assert out_of_order(approvals, plans) == ["fell-back", "not-completed"]
    assert out_of_order({"missing": ("pending", 1)}, {}) == ["missing"]


def test_top_frames_sum_self_time_by_function_across_lines_and_stacks() -> None:
    collapsed = [
        'process 12:"gunicorn";handle (app.py:10);json_dumps (codec.py:4) 30',
        'process 12:"gunicorn";handle (app.py:11);json_dumps (codec.py:9) 20',
        'process 13:"gunicorn";execute (psycopg/cursor.py:700) 50',
        'process 14:"gunicorn" 40',  # a process sampled with no Python frame on the GIL
        "a malformed line",
        "",
    ]

    frames = top_frames(collapsed)

    assert frames == [
        {"frame": "json_dumps (codec.py)", "share_percent": 50.0, "samples": 50},
        {"frame": "execute (psycopg/cursor.py)", "share_percent": 50.0, "samples": 50},
    ]
    assert top_frames(collapsed, limit=1) == frames[:1]
    assert top_frames([]) == []
