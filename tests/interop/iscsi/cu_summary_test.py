#!/usr/bin/env python3
"""cu_summary.py on a synthetic log with each trap of iscsi-test-cu's verbose output."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cu_summary  # noqa: E402

# Shaped like libiscsi 1.19 / CUnit 2.1-3 output (see the docstring of cu_summary.py):
# the verdict on the Test line or on its own line, skip lines before a
# "passed", a "[FAILED]" message inside a test CUnit passes, suite teardown text after a
# verdict, and a FAILED verdict followed by its assertion list.
LOG = """

     CUnit - A unit testing framework for C - Version 2.1-3

Suite: Alpha
  Test: Plain ...passed
  Test: Skipper ...    [SKIPPED] FOO is not implemented.
    [SKIPPED] FOO is not implemented.
passed
  Test: NoisyPass ...    [FAILED] PRIN command: failed with sense.
passed
  Test: Teardown ...passed    [SKIPPED] teardown noise that is not this test's
  Test: Broken ...    [FAILED] READ10 returned the wrong data
FAILED
    1. test_broken.c:42  - CU_ASSERT_EQUAL(a,b)
    2. test_broken.c:43  - CU_ASSERT_EQUAL(c,d)
Suite: Beta
  Test: Inline ...FAILED
    1. test_inline.c:7  - CU_ASSERT_TRUE(x)

Run Summary:    Type  Total    Ran Passed Failed Inactive
              suites      2      2    n/a      0        0
               tests      6      6      4      2        0
             asserts     10     10      8      2      n/a
"""


def statuses(text):
    tests, summary = cu_summary.parse(text.splitlines(keepends=True))
    return {t.full_name: t.status for t in tests}, tests, summary


class CuSummaryTest(unittest.TestCase):
    def test_each_trap_gets_the_right_status(self):
        got, _, _ = statuses(LOG)
        self.assertEqual(got, {
            "Alpha.Plain": "passed",
            "Alpha.Skipper": "skipped",
            "Alpha.NoisyPass": "passed",    # libiscsi's [FAILED] text, CUnit passed it
            "Alpha.Teardown": "passed",     # [SKIPPED] after the verdict is teardown
            "Alpha.Broken": "failed",
            "Beta.Inline": "failed",
        })

    def test_counts_agree_with_the_run_summary(self):
        _, tests, summary = statuses(LOG)
        self.assertEqual(cu_summary.cross_check(tests, summary), [])

    def test_a_failed_test_keeps_its_messages_and_assertions(self):
        _, tests, _ = statuses(LOG)
        broken = next(t for t in tests if t.full_name == "Alpha.Broken")
        self.assertEqual(broken.messages, [
            "[FAILED] READ10 returned the wrong data",
            "1. test_broken.c:42  - CU_ASSERT_EQUAL(a,b)",
            "2. test_broken.c:43  - CU_ASSERT_EQUAL(c,d)"])

    def test_a_truncated_log_is_reported_not_trusted(self):
        truncated = LOG[:LOG.index("FAILED\n    1. test_broken")]
        got, tests, summary = statuses(truncated)
        self.assertEqual(got["Alpha.Broken"], "failed")  # no verdict: counted as failed
        self.assertEqual(cu_summary.cross_check(tests, summary),
                         ["no CUnit Run Summary in the log: the run did not finish"])

    def test_a_summary_mismatch_is_reported(self):
        wrong = LOG.replace("tests      6      6      4      2", "tests      6      6      5      1")
        _, tests, summary = statuses(wrong)
        self.assertEqual(cu_summary.cross_check(tests, summary), [
            "CUnit passed 5, the log shows 4 passed+skipped",
            "CUnit failed 1, the log shows 2"])

    def test_the_command_line_ends_with_the_counts_and_exit_status(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cu_summary.py")
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
            log.write(LOG)
        try:
            run = subprocess.run([sys.executable, script, "--label", "X", "--list", "skipped",
                                  log.name], capture_output=True, text=True, check=False)
            self.assertEqual(run.returncode, 0)
            self.assertEqual(run.stdout.splitlines()[-1], "X: 3 passed, 2 failed, 1 skipped")
            self.assertIn("Alpha.Skipper", run.stdout)
            strict = subprocess.run([sys.executable, script, "--strict", log.name],
                                    capture_output=True, text=True, check=False)
            self.assertEqual(strict.returncode, 1)
        finally:
            os.unlink(log.name)


if __name__ == "__main__":
    unittest.main()
