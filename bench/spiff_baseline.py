"""The same approval step in SpiffWorkflow: complete a user task, run the
engine steps, serialise the workflow (what a BPMN engine persists per step)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

BPMN = Path(__file__).with_name("three_level_approval.bpmn")


def load_spec():
    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec("ttdn_plan_approval")


def approve_through(spec, serializer: BpmnWorkflowSerializer) -> tuple[list[float], str]:
    """Run one approval through its three levels; time each step."""
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    steps = []
    while not workflow.is_completed():
        started = time.perf_counter()
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["decision"] = "approve"
        task.data["comment"] = "Đồng ý"
        task.run()
        workflow.do_engine_steps()
        serialized = serializer.serialize_json(workflow)
        steps.append(time.perf_counter() - started)
    return steps, serialized


def measure(samples: int) -> dict:
    spec = load_spec()
    serializer = BpmnWorkflowSerializer()
    durations: list[float] = []
    size = 0
    while len(durations) < samples:
        steps, serialized = approve_through(spec, serializer)
        assert len(steps) == 3
        durations.extend(steps)
        size = len(serialized)
    durations.sort()
    return {"samples": len(durations), "median_us": durations[len(durations) // 2] * 1e6, "serialized_bytes": size}


if __name__ == "__main__":
    print(json.dumps(measure(600), indent=2))
