"""sim-supervise: runs one program so that nothing it starts can outlive it unseen.

Used by @sim/process-tree on Linux when no cgroup can be created (typically as a
non-root user). It makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so
every process the program starts stays its descendant whatever it does with sessions,
process groups or its environment (setsid, double fork, env -i): an orphan is
re-parented to this process instead of init. It then forks and execs the program
with stdio untouched, so the node protocol on stdin/stdout goes straight to it.

    python3 -I -S sim-supervise.py <status fd> <parent pid> <kill after ms> -- <file> [args...]

- The program's own exit is written at once to <status fd> ("exit N" or
  "signal N"); the supervisor itself stays while any descendant remains.
- SIGTERM, SIGINT or SIGHUP (SIGHUP is also sent by the kernel when the parent, the
  harness, dies: PR_SET_PDEATHSIG): SIGTERM to every descendant, SIGKILL to every
  descendant <kill after ms> later, repeated until none is left.
- It exits once it has no descendant left, with the program's exit code (128 + N
  when a signal N ended it).
"""
import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
WATCHED = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
TICK_S = 0.1


def fail(message, code=125):
    os.write(2, ("sim-supervise: %s\n" % message).encode())
    os._exit(code)


def descendants():
    """Every process below this one, from one pass over /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split(b" ")
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def signal_all(sig):
    for pid in descendants():
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def report(fd, status):
    if fd < 0:
        return
    if os.WIFSIGNALED(status):
        line = "signal %d\n" % os.WTERMSIG(status)
    else:
        line = "exit %d\n" % os.WEXITSTATUS(status)
    try:
        os.write(fd, line.encode())
    except OSError:
        pass


def main():
    args = sys.argv[1:]
    if len(args) < 5 or args[3] != "--":
        fail("usage: sim-supervise.py <status fd> <parent pid> <kill after ms> -- <file> [args...]", 2)
    status_fd, parent, kill_after = int(args[0]), int(args[1]), int(args[2]) / 1000.0
    command = args[4:]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        fail("prctl(PR_SET_CHILD_SUBREAPER) failed: %s" % os.strerror(ctypes.get_errno()))
    libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGHUP), 0, 0, 0)
    if os.getppid() != parent:
        fail("the process that started it is gone")

    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(status_fd)
            # Python ignores these; an ignored signal would stay ignored across exec.
            for sig in (signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
            os.execvp(command[0], command)
        except OSError as e:
            os.write(2, ("sim-supervise: cannot run %s: %s\n" % (command[0], e.strerror)).encode())
        os._exit(127)

    # The program owns stdio: hold no copy of it (a pipe must close when the program's side does).
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)

    status = None
    terminating_at = None
    while True:
        while True:
            try:
                reaped, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                reaped, st = -1, 0
            if reaped == 0:
                break
            if reaped == -1:
                if status_fd >= 0:
                    os.close(status_fd)
                if status is None:
                    os._exit(125)
                os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
            if reaped == pid and status is None:
                status = st
                report(status_fd, st)
                os.close(status_fd)
                status_fd = -1
        now = time.monotonic()
        if terminating_at is not None and now >= terminating_at + kill_after:
            signal_all(signal.SIGKILL)
        info = signal.sigtimedwait(WATCHED, TICK_S if terminating_at is not None else 3600)
        if info is not None and info.si_signo != signal.SIGCHLD and terminating_at is None:
            terminating_at = time.monotonic()
            signal_all(signal.SIGTERM)


main()
