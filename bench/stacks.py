"""Summarise py-spy's collapsed stacks (``bench/run.py --profile DIR``).

    .venv/bin/python bench/stacks.py DIR/booking-10k.txt [--top 25]

Prints, per function, the share of samples in which it was on the stack (inclusive), for
our code (app/, assessments/) and for everything, so a hot spot shows with its callers.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:]+):\d+\)$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    total, ours, every = 0, Counter(), Counter()
    with open(args.path, encoding="utf-8") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            n = int(count)
            total += n
            seen: set[str] = set()
            for frame in stack.split(";"):
                m = FRAME.match(frame)
                if not m:
                    continue
                path = m["file"]
                short = path.split("site-packages/")[-1].split("wt-bench/")[-1]
                key = f"{m['func']} ({short})"
                if key in seen:
                    continue
                seen.add(key)
                every[key] += n
                if short.startswith(("app/", "assessments/")):
                    ours[key] += n
    print(f"{total} samples")
    for title, counter in (("our code", ours), ("everything", every)):
        print(f"-- {title}, inclusive")
        for key, n in counter.most_common(args.top):
            print(f"{100 * n / total:5.1f}%  {key}")


if __name__ == "__main__":
    main()
