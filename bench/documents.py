"""Issued documents: rendering and signing a ten-page plan (the renderer's work
for one document) beside rendering the same HTML without signing, in this process."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from plans.documents.pipeline import RenderAndSign
from plans.documents.pki import FileCredentials
from plans.documents.render import DocumentRenderer

from tests.support.documents import face_of, ten_page_plan


def _timed(work, samples: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds of each run (on a shared machine the two part: CPU is this work's own)."""
    wall, cpu = [], []
    for _ in range(samples):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def _summary(times: tuple[list[float], list[float]]) -> dict:
    wall, cpu = times
    return {
        "median_s": round(statistics.median(wall), 3),
        "max_s": round(max(wall), 3),
        "median_cpu_s": round(statistics.median(cpu), 3),
        "samples": len(wall),
    }


def render_and_sign(samples: int = 5) -> dict:
    renderer = DocumentRenderer()
    face = face_of(ten_page_plan())
    html = renderer.html(face)
    credentials = FileCredentials(Path(tempfile.mkdtemp(prefix="ttdn-bench-pki-")), development=True)
    pipeline = RenderAndSign(renderer, credentials)
    pdf, details = pipeline(face)  # warm: fonts loaded, development certificates issued
    renderer.render_html(html)
    signed = _timed(lambda: pipeline(face), samples)
    unsigned = _timed(lambda: renderer.render_html(html), samples)
    return {
        "pages": details["pages"],
        "bytes": len(pdf),
        "render_and_sign": _summary(signed),
        "render_only": _summary(unsigned),
        "signing_s": round(statistics.median(signed[0]) - statistics.median(unsigned[0]), 3),
        "signing_cpu_s": round(statistics.median(signed[1]) - statistics.median(unsigned[1]), 3),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
