"""Render Vega-Lite charts to SVG and PNG files in a child process of their own.

vl-convert embeds a JavaScript engine (V8) that reserves tens of gigabytes of address space
and aborts the whole process when it cannot. Validation bounds a process's address space
while it checks an uploaded file (pipelines.validation.guard), and the benchmarks cap every
task's: a portal worker or a Dagster run that had loaded V8 could be killed by either. So
charts are rendered by this file run as a script of its own, which reads the jobs as JSON on
its standard input; a failure there is an error here, never a dead worker.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Seconds a rendering may take (a release's charts take a few).
TIMEOUT = 600


def render(
    jobs: list[tuple[dict[str, Any], Path, Path | None]],
    png_scale: int = 2,
    timeout: float = TIMEOUT,
) -> None:
    """Write each job's specification as SVG (and PNG, when a path is given); a
    RuntimeError when the renderer fails, subprocess.TimeoutExpired after `timeout` s."""
    if not jobs:
        return
    payload = json.dumps(
        {
            "scale": png_scale,
            "jobs": [
                {"spec": spec, "svg": str(svg), "png": str(png) if png else None}
                for spec, svg, png in jobs
            ],
        }
    )
    done = subprocess.run(
        # this file as a script, isolated (-I): it needs vl-convert, not the package, whose
        # imports would take longer than the charts
        [sys.executable, "-I", str(Path(__file__).resolve())],
        input=payload,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rendering the charts failed: {done.stderr.strip()[-2000:]}")


def svg_of(spec: dict[str, Any], scratch: Path, timeout: float = TIMEOUT) -> str:
    """One chart as SVG text (rendered into `scratch`, a folder of the caller's)."""
    path = scratch / "chart.svg"
    render([(spec, path, None)], timeout=timeout)
    return path.read_text(encoding="utf-8")


def main() -> None:
    import vl_convert as vlc

    request = json.load(sys.stdin)
    for job in request["jobs"]:
        svg = _with_words(vlc.vegalite_to_svg(job["spec"]), job["spec"])
        Path(job["svg"]).write_text(svg, encoding="utf-8")
        if job["png"]:
            # from the SVG: the same picture, without running the chart's Vega program again
            Path(job["png"]).write_bytes(vlc.svg_to_png(svg, scale=request["scale"]))


def _with_words(svg: str, spec: dict[str, Any]) -> str:
    """The SVG with the chart's title and description as its <title> and <desc>, which
    screen readers announce (vl-convert labels the marks and axes, not the picture)."""
    from html import escape

    title, about = spec.get("title"), spec.get("description")
    if not isinstance(title, str):
        return svg
    words = f"<title>{escape(title)}</title>"
    if isinstance(about, str):
        words += f"<desc>{escape(about)}</desc>"
    end = svg.index(">", svg.index("<svg")) + 1  # the end of the root element's tag
    return svg[:end] + words + svg[end:]


if __name__ == "__main__":
    main()
