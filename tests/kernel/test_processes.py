"""kernel.processes.alive: a pid left behind counts only while its process runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from kernel.processes import alive


def test_a_running_process_is_alive_and_an_ended_one_is_not_even_before_it_is_waited_for() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert alive(child.pid)
        child.kill()
        deadline = time.monotonic() + 10
        while alive(child.pid):  # ended, not yet waited for: a zombie holds nothing
            assert time.monotonic() < deadline, "a killed child still counts as alive"
            time.sleep(0.01)
    finally:
        child.wait()
    assert not alive(child.pid)
    assert alive(os.getpid())
