"""Run a check so that nothing the learner's code does can reach the notebook or outlive the check.

On Linux (Colab, Binder, a local Jupyter) each check runs in a forked child process, in a
process group of its own. The child's prints are counted but not shown, its file descriptors
point at /dev/null, and it cannot talk to the notebook (IPython's display and the kernel's
output channel are cut off). It reports each case as it starts and then its verdict, as JSON
lines over a pipe. A case that runs past the time limit, a loop that catches BaseException,
a process the learner started: the whole group is killed when the check returns, so no core
stays busy.

Why fork and not spawn: spawn starts a fresh interpreter and pickles the function by reference,
and a function defined in a notebook cell does not exist there. Fork copies the kernel's memory,
the learner's function with it, in milliseconds. Where fork is unavailable or unsafe (Windows,
macOS), a worker thread runs the check instead; it is stopped with an asynchronous exception,
and one that refuses to stop is reported as still running.
"""

from __future__ import annotations

import builtins
import collections
import contextlib
import ctypes
import faulthandler
import io
import json
import os
import queue
import select
import signal
import sys
import threading
import time
import warnings

from .capture import BoundedText
from .feedback import INCORRECT, KINDS, Feedback
from .formatting import safe_text
from .outcomes import CheckerBroke, Interrupted, ProcessEnded, TimedOut

#: Fork a child per check (Linux and other POSIX systems but macOS, whose system libraries are
#: not fork-safe); otherwise run the check in a thread.
USE_FORK = hasattr(os, "fork") and sys.platform != "darwin"

#: The first "case" a check is in, before the exercise's own cases start.
STARTING = "starting the check (reading your function)"


def run_check(job, time_limit: float) -> Feedback:
    """Run `job(progress)` isolated; each `progress(case)` restarts the `time_limit` clock.

    `job` returns the verdict as a Feedback. Whatever happens, this returns a Feedback and
    leaves nothing of the learner's code running.
    """
    run = _start(job)
    try:
        feedback = _watch(run, time_limit)
    except KeyboardInterrupt:
        feedback = Interrupted().feedback()
    except Exception as error:  # noqa: BLE001 (a bug in the checker: say so, never raise)
        feedback = CheckerBroke(error).feedback()
    finally:
        note = _stop(run)
    return with_note(feedback, note)


def _start(job):
    """A forked child where possible; a thread where fork is unavailable or fails (EAGAIN, ENOMEM)."""
    if USE_FORK:
        with contextlib.suppress(OSError):
            return ForkedRun(job)
    return ThreadRun(job)


def _stop(run) -> str:
    """Stop `run`, even if the learner presses interrupt again meanwhile."""
    while True:
        try:
            return run.stop()
        except KeyboardInterrupt:
            continue


def with_note(feedback: Feedback, note: str) -> Feedback:
    """`feedback` with one more paragraph, when there is one."""
    return Feedback(feedback.kind, f"{feedback.text}\n\n{note}") if note else feedback


#: The longest one wait for the check's next message blocks. An interrupt (SIGINT) that the
#: system hands to another thread of the kernel (Jupyter runs several) only reaches Python once
#: the main thread returns from its wait, so no wait may last long.
WAIT_SLICE = 0.1


def _watch(run, time_limit: float) -> Feedback:
    case, deadline = STARTING, time.monotonic() + time_limit
    while True:
        message = run.next_message(min(WAIT_SLICE, max(0.0, deadline - time.monotonic())))
        if message is None:
            if time.monotonic() >= deadline:
                return TimedOut(time_limit, case).feedback()
        elif message[0] == "case":
            case, deadline = message[1], time.monotonic() + time_limit
        elif message[0] == "verdict":
            return Feedback(message[1], message[2])
        else:  # "ended": the child died without a verdict
            return ProcessEnded(message[1]).feedback()


def _verdict_message(job, progress, printed: BoundedText) -> list:
    """Run the job and turn its outcome into the final message (never raises)."""
    try:
        feedback = with_note(job(progress), printed.summary())
    except BaseException as error:  # noqa: BLE001 (anything the learner's code threw past the job)
        feedback = Feedback(INCORRECT, f"your code raised `{safe_text(error)}` during the check.")
    return ["verdict", feedback.kind, feedback.text]


# ----------------------------------------------------------------------------- a forked child

class ForkedRun:
    """The check in a child process; messages arrive as JSON lines on a pipe."""

    def __init__(self, job):
        read_fd, write_fd = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)   # fork with threads (Python 3.12+)
            pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(job, write_fd)          # never returns
        os.close(write_fd)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)          # the child does the same; whichever runs first wins
        self.pid, self.fd, self.buffer = pid, read_fd, b""
        self.pending: collections.deque = collections.deque()
        self.reaped = False

    def next_message(self, timeout: float):
        """The next message, or None if none came within `timeout` seconds."""
        if not self.pending:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return ["ended", self._how_it_ended()]
            lines = (self.buffer + chunk).split(b"\n")
            self.buffer = lines.pop()
            self.pending.extend(message for message in map(_parse, lines) if message)
        return self.pending.popleft() if self.pending else None

    def _how_it_ended(self) -> str:
        for _ in range(50):
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.reaped = True
                return _describe_status(status)
            time.sleep(0.01)
        return "it closed its connection to the checker"

    def stop(self) -> str:
        """Kill the child's whole process group and reap the child (once)."""
        if self.fd is None:
            return ""
        for kill in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
            with contextlib.suppress(OSError):
                kill()
        if not self.reaped:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.reaped = True
        os.close(self.fd)
        self.fd = None
        return ""


def _parse(line: bytes):
    """A message from the child, or None for anything that is not one of ours (the learner's
    code could write to the pipe too)."""
    try:
        message = json.loads(line)
    except ValueError:
        return None
    if isinstance(message, list) and len(message) == 2 and message[0] == "case" and isinstance(message[1], str):
        return message
    if (isinstance(message, list) and len(message) == 3 and message[0] == "verdict"
            and message[1] in KINDS and isinstance(message[2], str)):
        return message
    return None


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        with contextlib.suppress(ValueError):
            return f"it was killed by signal {signal.Signals(number).name}"
        return f"it was killed by signal {number}"
    return f"it exited with code {os.WEXITSTATUS(status)}"


def _child(job, write_fd: int) -> None:
    """The child's whole life: cut it off from the notebook, run the job, report, exit."""
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        printed = BoundedText()
        _cut_off_from_notebook(printed)

        def send(message) -> None:
            data = (json.dumps(message) + "\n").encode()
            while data:
                data = data[os.write(write_fd, data):]

        send(_verdict_message(job, lambda case: send(["case", str(case)]), printed))
    finally:
        os._exit(0)


def _cut_off_from_notebook(printed: BoundedText) -> None:
    """Point every way out of this process (fds, sys streams, IPython, the kernel) elsewhere."""
    faulthandler.disable()                     # a crash is reported by its signal, not a dump on stderr
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    sys.stdout = sys.stderr = printed
    sys.stdin = io.StringIO()
    builtins.input = _no_input
    shell_module = sys.modules.get("IPython.core.interactiveshell")
    if shell_module is not None:
        with contextlib.suppress(Exception):
            shell = shell_module.InteractiveShell._instance
            if shell is not None:
                type(shell).clear_instance()   # display() now falls back to print
    iostream = sys.modules.get("ipykernel.iostream")
    if iostream is not None:                   # streams and sockets the kernel had open
        with contextlib.suppress(Exception):
            iostream.OutStream.write = lambda self, text: printed.write(text)
            iostream.OutStream.flush = lambda self: None
            iostream.IOPubThread.send_multipart = lambda self, *args, **kwargs: None
            iostream.BackgroundSocket.send_multipart = lambda self, *args, **kwargs: None


def _no_input(prompt=""):
    raise EOFError("input() is not available while a check runs")


# ----------------------------------------------------------------------------- a worker thread

class _Stop(BaseException):
    """Raised asynchronously inside a worker thread that ran past its time limit."""


class ThreadRun:
    """The check in a daemon thread of this process (where fork is not available)."""

    def __init__(self, job):
        self.messages: queue.Queue = queue.Queue()
        self.printed = BoundedText()
        self.saved_streams = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.printed
        self.worker = threading.Thread(target=self._target, args=(job,), name="speclab-check", daemon=True)
        self.worker.start()

    def _target(self, job) -> None:
        try:
            self.messages.put(_verdict_message(job, lambda case: self.messages.put(["case", str(case)]),
                                               self.printed))
        except _Stop:
            pass

    def next_message(self, timeout: float):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> str:
        """Restore the streams; stop the worker if it still runs, or say that it cannot be."""
        sys.stdout, sys.stderr = self.saved_streams
        if self.worker.is_alive():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.worker.ident), ctypes.py_object(_Stop))
            self.worker.join(0.5)
        if self.worker.is_alive():
            return ("Your function is still running in the background and ignores requests to stop "
                    "(does it catch `BaseException`?). Restart the kernel to stop it.")
        return ""
