#!/usr/bin/env python3
"""Two iscsi-test-cu runs side by side: counts per run, then every test whose status differs.

Usage: cu_compare.py LABEL_A=LOG_A LABEL_B=LOG_B [--title T]
  e.g. cu_compare.py xgate=SCSI-xgate.log tgt=SCSI-tgt.log --title SCSI
Both logs are read with cu_summary.parse(), so skips are skips, not passes. A missing or
unfinished log is shown as such rather than hidden. Always exits 0 (it only reports).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cu_summary  # noqa: E402


def load(spec):
    label, _, path = spec.partition("=")
    if not path:
        raise SystemExit(f"cu_compare: expected LABEL=LOG, got {spec!r}")
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            tests, summary = cu_summary.parse(stream)
    except OSError as error:
        return label, None, f"no log ({error.strerror})"
    problems = cu_summary.cross_check(tests, summary)
    return label, tests, "; ".join(problems)


def counts(tests):
    if tests is None:
        return "-", "-", "-"
    return tuple(str(sum(1 for t in tests if t.status == s)) for s in ("passed", "failed", "skipped"))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs=2, metavar="LABEL=LOG")
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    (label_a, tests_a, note_a), (label_b, tests_b, note_b) = (load(r) for r in args.runs)

    title = f"{args.title}: " if args.title else ""
    print(f"{title}{'':<10}{'passed':>8}{'failed':>8}{'skipped':>9}")
    for label, tests, note in ((label_a, tests_a, note_a), (label_b, tests_b, note_b)):
        passed, failed, skipped = counts(tests)
        suffix = f"   ({note})" if note else ""
        print(f"{title}{label:<10}{passed:>8}{failed:>8}{skipped:>9}{suffix}")
    if tests_a is None or tests_b is None:
        return 0
    status_b = {t.full_name: t for t in tests_b}
    differing = []
    for test in tests_a:
        other = status_b.get(test.full_name)
        other_status = other.status if other else "not run"
        if other_status != test.status:
            differing.append((test, other_status))
    if differing:
        print(f"{title}tests where {label_a} and {label_b} differ ({len(differing)}):")
        for test, other_status in differing:
            print(f"  {test.full_name:<45} {label_a} {test.status:<8} {label_b} {other_status:<8}"
                  f" {test.first_message()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
