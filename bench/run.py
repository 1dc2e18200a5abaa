"""Run the benchmarks under bench/ (all, or the one named) and summarise their figures.

Each benchmark is a script ``bench/<name>.py`` that prints lines of the form
``bench: <name> ours=<v> limit=<v> ratio=<ours/limit> goal=<op><v> unit=<unit>``.
This runner re-prints those lines and marks each as meeting or missing its goal.
"""

from __future__ import annotations

import operator
import re
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
LINE = re.compile(
    r"^bench: (?P<name>\S+) .*?ratio=(?P<ratio>[-\d.eE+]+) goal=(?P<op>>=|<=)(?P<goal>[\d.]+)"
)
OPS = {">=": operator.ge, "<=": operator.le}


def scripts(selected: list[str]) -> list[Path]:
    found = sorted(
        p for p in BENCH_DIR.glob("*.py") if p.name != "run.py" and not p.name.startswith("_")
    )
    if not selected:
        return found
    by_name = {p.stem: p for p in found}
    missing = [name for name in selected if name not in by_name]
    if missing:
        sys.exit(f"unknown benchmark(s): {', '.join(missing)}; known: {', '.join(by_name)}")
    return [by_name[name] for name in selected]


def main() -> int:
    results: list[tuple[str, bool, str]] = []
    failed_scripts = []
    for script in scripts(sys.argv[1:]):
        print(f"== {script.stem} ==", flush=True)
        proc = subprocess.Popen(  # noqa: S603 - our own scripts, run with our own interpreter
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=BENCH_DIR.parent
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            match = LINE.match(line.strip())
            if match:
                ok = OPS[match["op"]](float(match["ratio"]), float(match["goal"]))
                results.append((match["name"], ok, line.strip()))
        if proc.wait() != 0:
            failed_scripts.append(script.stem)
    print("\n== summary ==")
    for _name, ok, line in results:
        print(f"{'meets' if ok else 'MISSES'} goal: {line}")
    for name in failed_scripts:
        print(f"FAILED: bench/{name}.py exited non-zero")
    return 1 if failed_scripts else 0


if __name__ == "__main__":
    sys.exit(main())
