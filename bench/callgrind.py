"""Instructions per request, counted by valgrind's callgrind: a figure load cannot move.

Wall and CPU clocks on these shared 2-core machines move by a third between runs of the same
code (bench/README.md, Step 16d), more than most single changes. callgrind counts the
instructions the worker's own process executes, which is the same for the same code, inputs
and environment whatever else the machine does. ``bench/page_cpu.py --instructions`` re-runs
itself under ``valgrind --tool=callgrind`` with instrumentation off while it builds its world,
then counts only the timed requests: a tiny helper library built here from valgrind's own
header switches collection on right before each request and off right after, and dumps each
page's count when its loop ends. PostgreSQL's and Redis's work happen in their own processes
and are not counted (page_cpu prints PostgreSQL's CPU beside it).

Needs ``valgrind`` (Debian package, with ``/usr/include/valgrind/callgrind.h``) and a C
compiler. Requests run about fifty times slower under valgrind, so ``--n 30`` is plenty: the
count of a page barely differs between its requests.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ENV = "XQ_CALLGRIND_DIR"  # set in the re-run process: where its dumps go
_SOURCE = r"""
#include <valgrind/callgrind.h>
void xq_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void xq_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void xq_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


class Meter:
    """Switches callgrind's collection around each timed request (a no-op outside valgrind)."""

    def __init__(self) -> None:
        self.lib = None
        if os.environ.get(ENV):
            out = Path(os.environ[ENV]) / "libxqcallgrind.so"
            source = out.with_suffix(".c")
            source.write_text(_SOURCE)
            subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(out), str(source)],
                           check=True)
            self.lib = ctypes.CDLL(str(out))
            self.lib.xq_dump.argtypes = [ctypes.c_char_p]
            self.started = False

    def around(self, call):
        """Run ``call`` with collection on for it alone."""
        if self.lib is None:
            return call()
        if not self.started:  # instrumenting from here on: the world was built without it
            self.lib.xq_start()
            self.started = True
        self.lib.xq_toggle()
        try:
            return call()
        finally:
            self.lib.xq_toggle()

    def page_done(self, page: str) -> None:
        """Write this page's count to its own dump file (and zero the counters)."""
        if self.lib is not None:
            self.lib.xq_dump(page.encode())


def rerun_under_valgrind(argv: list[str], n: int) -> dict[str, float]:
    """Run this script again under callgrind; return instructions per request by page."""
    with tempfile.TemporaryDirectory(prefix="xq-callgrind-") as work:
        env = dict(os.environ, **{ENV: work, "PYTHONHASHSEED": "0"})
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   "--collect-atstart=no", f"--callgrind-out-file={work}/cg.out",
                   sys.executable, *argv]
        subprocess.run(command, env=env, check=True)
        return {page: count / n for page, count in read_dumps(Path(work)).items()}


def read_dumps(work: Path) -> dict[str, int]:
    """Each page's instruction count from the dump files that ``page_done`` triggered."""
    counts: dict[str, int] = {}
    for dump in sorted(work.glob("cg.out*")):
        text = dump.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+)$", text, re.M)
        summary = re.search(r"^summary: (\d+)$", text, re.M)
        if trigger and summary:
            counts[trigger.group(1)] = int(summary.group(1))
    return counts
