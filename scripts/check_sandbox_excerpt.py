#!/usr/bin/env python3
"""The sandbox report excerpts that README.md and docs/sandbox.md show are what `cargo run -p
sandbox` prints: every line of their ```text excerpt (but `...`) is a line of the real report
given on stdin, compared with durations (`12 ms`) and times (`2026-12-01T03:16:48Z`) masked.
CI pipes the quick start's run into it. Exit 1 on a line the report no longer has.

usage: cargo run -p sandbox | python3 scripts/check_sandbox_excerpt.py
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = {"README.md": "The sandbox replays", "docs/sandbox.md": "An excerpt of the report"}


def masked(line):
    line = re.sub(r"\d+ ms\b", "N ms", line)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", line).rstrip()


def excerpt(page, after):
    text = (ROOT / page).read_text()
    start = text.index("```text\n", text.index(after)) + len("```text\n")
    return text[start:text.index("```", start)].splitlines()


def main():
    report = sys.stdin.read()
    sys.stdout.write(report)  # the run stays visible in the CI log
    lines = {masked(line) for line in report.splitlines()}
    missing = [
        (page, line)
        for page, after in PAGES.items()
        for line in excerpt(page, after)
        if line.strip() not in ("", "...") and masked(line) not in lines
    ]
    for page, line in missing:
        print(f"✘ {page}: the sandbox no longer prints: {line.strip()}")
    print(f"sandbox excerpts: {'up to date' if not missing else f'{len(missing)} stale line(s)'} ({', '.join(PAGES)})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
