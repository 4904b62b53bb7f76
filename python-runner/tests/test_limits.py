"""The runner's own limits are hard (a plugin cannot raise them) and it dies with its parent."""

import os
import subprocess
import sys
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_child(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=HERE)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=30)


@unittest.skipUnless(sys.platform.startswith("linux"), "rlimits and PR_SET_PDEATHSIG are Linux facts")
class LimitsTest(unittest.TestCase):
    def test_address_space_and_file_size_are_hard(self):
        r = run_child("""
            import resource
            from plugin_runner.limits import apply_start_limits
            print(apply_start_limits(1 << 31, 1 << 20, None, False, None))
            print(resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_FSIZE))
            try:
                resource.setrlimit(resource.RLIMIT_AS, (1 << 32, 1 << 32))
                print("raised")
            except (ValueError, OSError):
                print("cannot raise")
            try:
                with open("/tmp/limits-test-%d" % __import__("os").getpid(), "wb") as f:
                    f.write(b"x" * (2 << 20))
                print("wrote")
            except OSError as e:
                print("EFBIG" if e.errno == 27 else e)
            finally:
                __import__("os").unlink("/tmp/limits-test-%d" % __import__("os").getpid())
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn("'rlimit_as': True", lines[0])
        self.assertEqual(lines[1], f"({1 << 31}, {1 << 31}) ({1 << 20}, {1 << 20})")
        if os.geteuid() != 0:  # root keeps CAP_SYS_RESOURCE and may raise a hard limit
            self.assertEqual(lines[2], "cannot raise")
        self.assertEqual(lines[3], "EFBIG")

    def test_process_limit_is_hard_and_relative_adds_the_current_count(self):
        r = run_child("""
            import resource
            from plugin_runner.limits import apply_process_limit
            apply_process_limit(5, relative=True)
            print(resource.getrlimit(resource.RLIMIT_NPROC))
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        soft, hard = eval(r.stdout.strip())
        self.assertEqual(soft, hard)
        self.assertGreater(soft, 5)

    def test_runner_dies_with_its_parent(self):
        # parent (sh) starts the runner-like child in the background and exits; PDEATHSIG kills the child.
        marker = f"pdeathsig-marker-{os.getpid()}-{time.time_ns()}"
        script = (f"import sys, time; sys.path.insert(0, {HERE!r}); "
                  f"from plugin_runner.limits import die_with_parent; die_with_parent(); time.sleep(60)  # {marker}")
        parent = subprocess.Popen([sys.executable, "-c",
                                   f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {script!r}]); time.sleep(1)"])
        parent.wait(timeout=30)
        deadline = time.time() + 5
        while time.time() < deadline and self._alive(marker):
            time.sleep(0.05)
        self.assertFalse(self._alive(marker), "the child outlived its parent")

    @staticmethod
    def _alive(marker: str) -> bool:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        with open(f"/proc/{pid}/stat") as s:
                            if s.read().rsplit(")", 1)[1].split()[0] != "Z":
                                return True
            except OSError:
                pass
        return False

    def test_stale_parent_pid_exits_at_once(self):
        r = run_child("""
            from plugin_runner.limits import die_with_parent
            die_with_parent(1)  # our parent is not pid 1: we were "re-parented", so we leave
            print("still here")
        """)
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("still here", r.stdout)


if __name__ == "__main__":
    unittest.main()
