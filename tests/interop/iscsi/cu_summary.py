#!/usr/bin/env python3
"""Summarise an iscsi-test-cu (libiscsi) verbose log: passed / failed / skipped per test.

Why not iscsi-test-cu -x: libiscsi skips a test by logging "[SKIPPED] ..." and returning,
which CUnit counts as a pass, and in XML mode the skip lines lose their test names. The
default verbose mode keeps them in order, so this reads that:

    Suite: NAME
      Test: NAME ...<the test's own output>passed      (or FAILED, then "    1. file:line - ...")

A test is
  failed   when CUnit's verdict is FAILED (libiscsi's own "[FAILED]" lines do not count:
           some tests print them and still pass);
  skipped  when the verdict is passed and the test logged "[SKIPPED]" before it;
  passed   otherwise.
Output after a verdict and before the next "Test:" (suite teardown) is not charged to the
test. The counts are checked against CUnit's "Run Summary"; a mismatch, or a log with no
Run Summary (the run was killed or crashed), exits 2.

Usage: cu_summary.py [--label L] [--list failed|skipped|all] [--strict] LOG
The last line is "L: N passed, N failed, N skipped". --strict exits 1 if any test failed.
"""

import argparse
import re
import sys
from collections import OrderedDict

SUITE_RE = re.compile(r"^Suite: (?P<suite>\S+)")
TEST_RE = re.compile(r"^  Test: (?P<test>\S+) \.\.\.(?P<rest>.*)$")
VERDICT_RE = re.compile(r"^(?P<verdict>passed|FAILED)(?P<after>.*)$")
ASSERTION_RE = re.compile(r"^\s+\d+\. \S+:\d+\s+- ")
SUMMARY_TESTS_RE = re.compile(
    r"^\s+tests\s+(?P<total>\d+)\s+(?P<ran>\d+)\s+(?P<passed>\d+)\s+(?P<failed>\d+)\s+(?P<inactive>\d+)"
)
MESSAGE_RE = re.compile(r"\[(SKIPPED|FAILED)\]\s*(?P<text>.*)")


class Test:
    def __init__(self, suite, name):
        self.suite = suite
        self.name = name
        self.verdict = None  # "passed", "FAILED" or None (never finished)
        self.skipped = False
        self.messages = []  # "[SKIPPED] ..." / "[FAILED] ..." lines, then CUnit assertions

    @property
    def status(self):
        if self.verdict == "FAILED" or self.verdict is None:
            return "failed"
        return "skipped" if self.skipped else "passed"

    @property
    def full_name(self):
        return f"{self.suite}.{self.name}"

    def first_message(self):
        if self.verdict is None:
            return "(no verdict: the run ended inside this test)"
        return self.messages[0] if self.messages else ""

    def take_output(self, text):
        """Output the test printed before its verdict."""
        if "[SKIPPED]" in text:
            self.skipped = True
        match = MESSAGE_RE.search(text)
        if match:
            self.messages.append(f"[{match.group(1)}] {match.group('text').strip()}")


def parse(lines):
    """Returns (tests in log order, CUnit's tests summary dict or None)."""
    tests = []
    suite = "?"
    current = None  # the test whose verdict is still outstanding
    in_assertions = None  # a FAILED test whose assertion list may follow
    summary = None
    for line in lines:
        line = line.rstrip("\n")
        match = SUITE_RE.match(line)
        if match:
            suite, current, in_assertions = match.group("suite"), None, None
            continue
        match = TEST_RE.match(line)
        if match:
            current = Test(suite, match.group("test"))
            tests.append(current)
            in_assertions = None
            line = match.group("rest")  # the verdict or output may follow on this line
        elif SUMMARY_TESTS_RE.match(line):
            m = SUMMARY_TESTS_RE.match(line)
            summary = {k: int(v) for k, v in m.groupdict().items()}
            current = in_assertions = None
            continue
        if current is not None:
            match = VERDICT_RE.match(line)
            if match:
                current.verdict = match.group("verdict")
                in_assertions = current if current.verdict == "FAILED" else None
                current = None  # the rest of the line is teardown output
            else:
                current.take_output(line)
        elif in_assertions is not None and ASSERTION_RE.match(line):
            in_assertions.messages.append(line.strip())
        else:
            in_assertions = None
    return tests, summary


def cross_check(tests, summary):
    """Problems between our counts and CUnit's Run Summary, as strings."""
    if summary is None:
        return ["no CUnit Run Summary in the log: the run did not finish"]
    problems = []
    cunit_passes = sum(1 for t in tests if t.status in ("passed", "skipped"))
    failed = sum(1 for t in tests if t.status == "failed")
    if summary["ran"] != len(tests):
        problems.append(f"CUnit ran {summary['ran']} tests, the log shows {len(tests)}")
    if summary["passed"] != cunit_passes:
        problems.append(
            f"CUnit passed {summary['passed']}, the log shows {cunit_passes} passed+skipped")
    if summary["failed"] != failed:
        problems.append(f"CUnit failed {summary['failed']}, the log shows {failed}")
    return problems


def print_table(tests, out):
    per_suite = OrderedDict()
    for test in tests:
        row = per_suite.setdefault(test.suite, {"passed": 0, "failed": 0, "skipped": 0})
        row[test.status] += 1
    width = max([len("Suite")] + [len(s) for s in per_suite])
    out.write(f"{'Suite':<{width}}  passed  failed  skipped\n")
    for suite, row in per_suite.items():
        out.write(f"{suite:<{width}}  {row['passed']:>6}  {row['failed']:>6}  {row['skipped']:>7}\n")


def print_list(tests, which, out):
    chosen = [t for t in tests if which == "all" or t.status == which]
    out.write(f"\n{which} ({len(chosen)}):\n")
    for test in chosen:
        message = test.first_message()
        out.write(f"  {test.full_name:<45} {test.status:<8} {message}\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="iscsi-test-cu verbose output ('-' for stdin)")
    parser.add_argument("--label", default="iscsi-test-cu")
    parser.add_argument("--list", choices=["failed", "skipped", "all"], action="append",
                        default=[], help="list these tests with their first message")
    parser.add_argument("--no-table", action="store_true", help="omit the per-suite table")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any test failed")
    args = parser.parse_args(argv)

    try:
        stream = sys.stdin if args.log == "-" else open(args.log, encoding="utf-8",
                                                        errors="replace")
        with stream:
            tests, summary = parse(stream)
    except OSError as error:
        print(f"{args.label}: cannot read {args.log}: {error.strerror}", file=sys.stderr)
        return 2

    if not args.no_table:
        print_table(tests, sys.stdout)
    for which in args.list:
        print_list(tests, which, sys.stdout)
    problems = cross_check(tests, summary)
    for problem in problems:
        print(f"{args.label}: log inconsistent with CUnit: {problem}", file=sys.stderr)
    counts = {s: sum(1 for t in tests if t.status == s) for s in ("passed", "failed", "skipped")}
    sys.stdout.flush()
    print(f"{args.label}: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['skipped']} skipped")
    if problems:
        return 2
    if args.strict and counts["failed"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
