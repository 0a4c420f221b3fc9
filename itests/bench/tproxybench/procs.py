"""The processes the benchmark starts: each remembered by PID and stopped by that PID only."""
import os
import signal
import subprocess
import sys
import time


class Failure(Exception):
    """A step the benchmark cannot go on without failed: exit 1 after cleaning up."""


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def in_ns(ns, *cmd):
    return ["ip", "netns", "exec", ns, *cmd]


def run(cmd, check=True, quiet=False, **kwargs):
    """Runs cmd to its end; its output as text. quiet: stderr discarded."""
    if quiet:
        kwargs.setdefault("stderr", subprocess.DEVNULL)
    return subprocess.run(cmd, check=check, text=True, stdout=subprocess.PIPE, **kwargs).stdout


def stop_pid(pid, popen=None):
    """TERM, then KILL after 5 s. With its Popen, a process already reaped is left alone (its PID may be reused)."""
    def ended():
        return popen.poll() is not None if popen is not None else not _signal(pid, 0)

    if ended() or not _signal(pid, signal.SIGTERM):
        return
    for _ in range(50):
        if ended():
            return
        time.sleep(0.1)
    if not ended():
        _signal(pid, signal.SIGKILL)
        if popen is not None:
            popen.wait()


def _signal(pid, sig):
    """False if no such process."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


class Processes:
    """Every process started in the background, pinned to a core in a namespace: stopped at the end if still up."""

    def __init__(self):
        self._running = {}   # pid -> (what, Popen)

    def start(self, ns, cpu, what, cmd, stdout=subprocess.DEVNULL, stderr=None):
        popen = subprocess.Popen(in_ns(ns, "taskset", "-c", str(cpu), *cmd), stdout=stdout,
                                 stderr=stdout if stderr is None else stderr)
        self._running[popen.pid] = (what, popen)
        return popen

    def wait(self, popen):
        """Until it ends by itself; then it is no longer ours to stop."""
        rc = popen.wait()
        self.forget(popen)
        return rc

    def stop(self, popen):
        stop_pid(popen.pid, popen)
        self._running.pop(popen.pid, None)

    def forget(self, popen):
        self._running.pop(popen.pid, None)

    def stop_all(self):
        for pid, (_, popen) in list(self._running.items()):
            stop_pid(pid, popen)
        self._running.clear()
