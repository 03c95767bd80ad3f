"""What scenario code uses to run real threads and processes and record them.

Standard library only (runs inside the runner, any CPython >= 3.9).

Every helper here does the real thing (a real ``threading.Thread``, a real
forked ``multiprocessing.Process``, a real ``Lock``) and records around it, so
the timeline shows when a worker started, blocked, waited and ended.
"""
import contextlib
import multiprocessing
import multiprocessing.util
import os
import queue as queue_module
import sys
import threading
import time
import traceback

from . import recorder
from .wire import K, S

# Gaps in a CPU-bound loop longer than this mean the thread was not running
# (docs/ARCHITECTURE.md "Measured lanes": slices come out at the 5 ms switch interval; 1 ms separates them
# from loop jitter).  Checked every PROBE_EVERY iterations, i.e. every 6-13 us:
# 1-2 % over the unprobed loop on 3.9-3.13; every 128 cost 4-8 % (bench gil-lanes).
PROBE_GAP_NS = 1_000_000
PROBE_EVERY = 512


def error_text(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:300]


class Context(object):
    """The scenario's handle on the recorder and on traced concurrency primitives."""

    def __init__(self, params, gates=None):
        self.params = params
        # engine.gates.Gatekeeper when the run is scheduled (step mode, --schedule, replay);
        # None otherwise, and scenarios then take their ungated code path.
        self.gates = gates
        # The scenario's start_method knob (engine.params.start_method) when it has one; fork
        # otherwise, which keeps the seed's semantics (children inherit globals) on every
        # Python the runner supports (3.14 defaults to forkserver on Linux).
        self.start_method = params.get("start_method", "fork") if params else "fork"
        self.mp = multiprocessing.get_context(self.start_method)

    def __getstate__(self):
        # A spawn or forkserver child gets the Context pickled among its arguments: the
        # values and the method travel; the gates (threads of the runner) do not.
        return {"params": self.params, "start_method": self.start_method}

    def __setstate__(self, state):
        self.params = state["params"]
        self.gates = None
        self.start_method = state["start_method"]
        self.mp = multiprocessing.get_context(self.start_method)

    # -- recording -------------------------------------------------------
    def rec(self) -> recorder.Recorder:
        return recorder.current()

    def intern(self, text: str) -> int:
        return recorder.sink().intern(text)

    def value(self, name: str, value: int) -> None:
        """Record a measured number the verdict will read (never assumed)."""
        recorder.current().event(K.VALUE, self.intern(name), int(value))

    @contextlib.contextmanager
    def phase(self, name: str):
        """Bracket a part of the run; the verdict measures its wall time."""
        rec = recorder.current()
        pid = self.intern(name)
        rec.event(K.PHASE_BEGIN, pid)
        try:
            yield
        finally:
            rec.event(K.PHASE_END, pid)
            rec.flush()

    def work(self, seconds: float) -> int:
        """CPU-bound work for about `seconds`: a stand-in for processing an item.

        Unlike sleep(), the lane shows it as running, which is what a worker
        handling an item is doing.
        """
        end = time.perf_counter() + seconds
        x = 0
        while time.perf_counter() < end:
            for _ in range(200):
                x = x ^ 1
        return x

    def sleep(self, seconds: float) -> None:
        rec = recorder.current()
        rec.state(S.SLEEPING)
        time.sleep(seconds)
        rec.state(S.RUNNING)

    # -- threads ---------------------------------------------------------
    def thread(self, target, name: str, args=()) -> threading.Thread:
        """A real thread whose life, errors and exit are recorded."""
        return _TracedThread(target, name, args)

    def join(self, worker, timeout=None) -> None:
        """Join a thread, process or Pool, showing the wait on the joining lane."""
        rec = recorder.current()
        rec.state(S.JOIN_WAIT)
        if timeout is None:
            worker.join()  # Pool.join() takes no timeout
        else:
            worker.join(timeout)
        rec.state(S.RUNNING)
        if hasattr(worker, "exitcode"):  # a process: record how it ended
            code = worker.exitcode
            rec.event(K.PROC_EXIT, code if code is not None else -999, worker.pid or 0)

    # -- processes -------------------------------------------------------
    def process(self, target, name: str, args=()):
        """A real process (started by this run's start method) recorded from inside and outside."""
        return _TracedProcess(self.mp, target, name, args)

    def pool(self, processes: int, name: str = "PoolWorker", setup=None):
        """A real multiprocessing Pool whose workers announce themselves.

        setup: (module-level function, args) each worker calls first; how a worker gets
        what its tasks need under every start method (a spawned one inherits nothing)."""
        return self.mp.Pool(processes, initializer=_pool_worker_init,
                            initargs=(name, _child_sink_spec(), setup))

    # -- synchronisation -------------------------------------------------
    def lock(self, name: str) -> "TracedLock":
        return TracedLock(threading.Lock(), self.intern(name))

    def queue(self, name: str, maxsize: int = 0, processes: bool = True) -> "TracedQueue":
        q = self.mp.Queue(maxsize) if processes else queue_module.Queue(maxsize)
        return TracedQueue(q, name)

    # -- CPU-bound work with the run/wait probe --------------------------
    def cpu_work(self, iterations: int, waiting_state: int = S.GIL_WAIT) -> int:
        """The seed's ``x = x ^ 1`` loop, probed for time the thread did not run.

        Any gap over PROBE_GAP_NS between two checks is recorded as
        waiting_state: GIL_WAIT when other threads of this process compete for
        the GIL, PREEMPTED for a single-threaded process (the OS took the core).
        """
        rec = recorder.current()
        now = time.perf_counter_ns
        inner = range(PROBE_EVERY)
        x = 0
        last = now()
        rounds = max(1, iterations // PROBE_EVERY)
        for _ in range(rounds):
            for _ in inner:
                x = x ^ 1
            t = now()
            if t - last > PROBE_GAP_NS:
                rec.event_at(last, K.STATE, waiting_state, 0, 0)
                rec.event_at(t, K.STATE, S.RUNNING, 0, 0)
            last = t
        rec.flush()
        # Without a ring (a bench's pipe) the flush's os.write lets another thread take the
        # GIL; getting it back can take a switch interval, which would otherwise show as
        # running (bench gil-lanes).  A flush into a ring is a memcpy and leaves no gap.
        t = now()
        if t - last > PROBE_GAP_NS:
            rec.event_at(last, K.STATE, waiting_state, 0, 0)
            rec.event_at(t, K.STATE, S.RUNNING, 0, 0)
        return x


def _thread_main(target, name, args, worker):
    rec = recorder.current(name, worker)
    code = 0
    try:
        target(*args)
    except BaseException as exc:  # shown as an event; the run goes on
        rec.event(K.ERROR, recorder.sink().intern(error_text(exc)), -1)
        code = 1
    finally:
        rec.state(S.DONE)
        rec.event(K.WORKER_EXIT, recorder.thread_cpu_us(), code)
        rec.flush()


class _TracedThread(threading.Thread):
    """A thread whose creator records starting it, as a parent records spawning a process.

    Its worker id is taken at creation, so ids follow the program's order
    (THREAD1 < THREAD2), whichever thread the OS runs first.
    """

    def __init__(self, target, name, args):
        self.worker = recorder.sink().reserve_worker()
        threading.Thread.__init__(self, target=_thread_main, name=name,
                                  args=(target, name, args, self.worker))

    def start(self) -> None:
        sink = recorder.sink()
        recorder.current().event(K.THREAD_SPAWN, sink.intern(self.name), self.worker)
        threading.Thread.start(self)


class _TracedProcess(object):
    """A forked process recorded by the parent (spawn, exit code) and the child."""

    def __init__(self, mp, target, name, args):
        self.name = name
        self._proc = mp.Process(target=_process_main, name=name,
                                args=(target, name, args, _child_sink_spec()))

    def start(self) -> None:
        # Recorded at the moment start() is called (the pid is known only after it returns):
        # a forked child may run before start() returns, a spawned one long after.
        called = time.perf_counter_ns()
        self._proc.start()
        sink = recorder.sink()
        recorder.current().event_at(called, K.PROC_SPAWN, sink.intern(self.name), self._proc.pid, 0)

    def join(self, timeout=None) -> None:
        self._proc.join(timeout)

    def __getattr__(self, attr):  # pid, exitcode, is_alive, ...
        return getattr(self._proc, attr)


def _child_sink_spec():
    """What a spawn or forkserver child needs to record: the run's ring directory.

    A forked child inherits the sink (recorder's at-fork hook resets it).  A spawned one
    imports the engine afresh and has none; it cannot use the event pipe either (spawn
    passes a child only the descriptors multiprocessing chose), so it records into rings
    of its own pid in the same directory, which the Session scans for new processes.
    """
    sink = recorder.sink()
    return sink.ring_dir, sink.event_ns, sink.batch_ns


def _ensure_sink(spec):
    if recorder.installed_pid() != os.getpid() and spec is not None:
        ring_dir, event_ns, batch_ns = spec
        # -1: no pipe; a frame no ring takes is counted as dropped
        recorder.install(-1, ring_dir, event_ns, batch_ns)
        if not isinstance(sys.stdout, OutputTap):  # what the child prints, as a forked one's
            sys.stdout = OutputTap(sys.stdout)


def _process_main(target, name, args, sink_spec=None):
    _ensure_sink(sink_spec)
    rec = recorder.current(name)  # the child's main thread: worker 0
    rec.event(K.PROCESS_START, recorder.sink().intern(name), os.getppid())
    code = 0
    try:
        target(*args)
    except BaseException as exc:
        rec.event(K.ERROR, recorder.sink().intern(error_text(exc)), 1)
        code = 1
    finally:
        rec.state(S.DONE)
        rec.event(K.WORKER_EXIT, recorder.thread_cpu_us(), code)
        recorder.sink().flush_all()
    if code:
        os._exit(code)  # multiprocessing's own traceback print is noise here


def _pool_worker_init(name, sink_spec=None, setup=None):
    _ensure_sink(sink_spec)
    if setup is not None:
        setup[0](*setup[1])
    rec = recorder.current("%s-%d" % (name, os.getpid()))
    rec.event(K.PROCESS_START, recorder.sink().intern(name), os.getppid())
    rec.state(S.IDLE)
    # Pool workers leave through os._exit after multiprocessing's finalizers.
    multiprocessing.util.Finalize(None, _pool_worker_exit, exitpriority=100)


def _pool_worker_exit():
    """A pool worker's normal end (close/join): its lane shows done, not idle to the end."""
    rec = recorder.current()
    rec.state(S.DONE)
    rec.event(K.WORKER_EXIT, recorder.thread_cpu_us(), 0)
    recorder.sink().flush_all()


class Task(object):
    """Wrap a pool function so each call is recorded as a task on its worker.

    Picklable when fn is a module-level function (pools pickle what they send).
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, arg):
        rec = recorder.current()
        tid = recorder.sink().intern(getattr(self.fn, "__name__", "task"))
        rec.state(S.RUNNING)
        rec.event(K.TASK_START, tid, int(arg))
        result = self.fn(arg)
        rec.event(K.TASK_FINISH, tid, int(result) if isinstance(result, int) else 0)
        rec.state(S.IDLE)  # flushes: tasks are coarse, and the worker may be killed
        return result


class TracedLock(object):
    """A lock whose request, wait, acquisition and release are recorded.

    Its own recording sends nothing while the lock is held but the state that ends a wait: the
    request leaves room in the frame for lock_acquired (``event_with_room``), recorded
    after it by ``event_at``, which never flushes then; the release is recorded after the
    lock is free.  So a flush (and a batch's drain, which only flush and state do) never
    lengthens the locked section another thread waits on, and a wait's span holds no
    drain (tests/engine/test_lock_drains.py)."""

    def __init__(self, lock, lock_id):
        self._lock = lock
        self.lock_id = lock_id

    def acquire(self) -> bool:
        if not self.request():
            self.wait_for()
        return True

    def request(self) -> bool:
        """Record a request and take the lock if it is free; False: another thread holds it.

        A scheduler's acquire gate is this step alone, so a refused thread leaves the gate
        before it blocks (engine.gates)."""
        rec = recorder.current()
        rec.event_with_room(K.LOCK_REQUEST, self.lock_id)  # flushes here, if due: before the lock
        if self._lock.acquire(False):
            rec.event_at(time.perf_counter_ns(), K.LOCK_ACQUIRED, self.lock_id, 0, 0)  # fits: no flush
            return True
        return False

    def wait_for(self) -> None:
        """After a refused request: block until the lock is this thread's, shown as a wait."""
        rec = recorder.current()
        rec.state(S.LOCK_WAIT)  # drains the batch before the wait's time: no drain inside it
        self._lock.acquire()
        # Sent at once, though the lock is now held (the frame only: the batch has nothing
        # new): the Session labels this thread's time by it, and a thread that computes
        # after it without recording would otherwise show its GIL waits as lock waits.
        rec.state(S.RUNNING)
        rec.event(K.LOCK_ACQUIRED, self.lock_id)

    def release(self) -> None:
        self._lock.release()
        recorder.current().event(K.LOCK_RELEASE, self.lock_id)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


class TracedQueue(object):
    """A queue whose puts, gets, depth and blocking are recorded.

    Depth comes from qsize(), which multiprocessing implements on Linux
    (sem_getvalue) but not on macOS; there it is recorded as -1.
    """

    def __init__(self, q, name):
        self.q = q
        self.name = name
        self.qid = recorder.sink().intern(name)

    def __getstate__(self):
        # Pickled for a spawn or forkserver child: the id belongs to this process's string
        # table; the child interns the name in its own (a forked child keeps the ids).
        return {"q": self.q, "name": self.name}

    def __setstate__(self, state):
        self.q, self.name = state["q"], state["name"]
        self.qid = None  # interned on first use, once the child's sink is installed

    def _depth(self) -> int:
        try:
            return self.q.qsize()
        except NotImplementedError:
            return -1

    def _id(self) -> int:
        if self.qid is None:
            self.qid = recorder.sink().intern(self.name)
        return self.qid

    def put(self, item) -> None:
        rec = recorder.current()
        try:
            self.q.put_nowait(item)
        except queue_module.Full:
            rec.state(S.QUEUE_WAIT)
            self.q.put(item)
            rec.state(S.RUNNING)
        rec.event(K.QUEUE_PUT, self._id(), self._depth())

    def get(self):
        rec = recorder.current()
        try:
            item = self.q.get_nowait()
        except queue_module.Empty:
            rec.state(S.QUEUE_WAIT)
            item = self.q.get()
            rec.state(S.RUNNING)
        rec.event(K.QUEUE_GET, self._id(), self._depth())
        return item


class OutputTap(object):
    """sys.stdout for scenario code: each printed line becomes an event on its thread."""

    def __init__(self, raw):
        self._raw = raw
        self._partial = threading.local()
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        partial = self._partial
        pending = getattr(partial, "text", "") + text
        if "\n" not in text:  # print() writes each argument and separator apart
            partial.text = pending
            return len(text)
        *lines, rest = pending.split("\n")
        partial.text = rest
        output = recorder.current().output
        for line in lines:
            output(line[:500])
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._raw.fileno()
