"""pool: a process Pool runs many tasks on a few reused workers; close() ends submissions."""
import os

from ..params import Param, start_method
from ..wire import K, S
from .base import Scenario, Verdict, text, usable_cpus

SOURCE = '''import multiprocessing
from multiprocessing import Pool

PROCESSES = None           # Pool(None): os.cpu_count() workers (3.13+: os.process_cpu_count())
TASKS = 8                  # apply_async calls
ITERATIONS = 1000000       # some work, so the tasks overlap
FAILING_TASK = True        # add a task that raises
START_METHOD = "fork"      # how children start: fork, spawn or forkserver

def run(i):
    print(i)               # the blog post's Python 2 `print i`
    x = 0
    for _ in range(ITERATIONS):
        x = x ^ 1
    return i * i

def fail(i):
    raise ValueError("task %d failed" % i)

if __name__ == "__main__":
    multiprocessing.set_start_method(START_METHOD)
    p = Pool(PROCESSES)
    results = [p.apply_async(run, args=(i,)) for i in range(TASKS)]
    failed = p.apply_async(fail, args=(TASKS,)) if FAILING_TASK else None  # nothing shows its error ...
    try:
        p.join()           # join() before close() is refused
    except ValueError as e:
        print("join() before close():", e)
    p.close()              # no more tasks
    p.join()               # wait for the workers to finish and exit
    try:
        p.apply_async(run, args=(TASKS,))
    except ValueError as e:  # the blog post's warning, for real
        print("apply_async after close():", e)
    print([r.get() for r in results])
    if failed is not None:
        try:
            failed.get()   # ... until get() raises it
        except ValueError as e:
            print("get() of the failed task:", e)
'''

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'Pool(None): os.cpu_count() workers (3.13+: os.process_cpu_count())': 'Pool(None)：os.cpu_count() 个工作进程（3.13 起为 os.process_cpu_count()）',
    'apply_async calls': 'apply_async 调用次数',
    'some work, so the tasks overlap': '一些工作量，让任务在时间上重叠',
    'add a task that raises': '加一个会抛出异常的任务',
    'nothing shows its error ...': '它的错误不会显示出来……',
    'join() before close() is refused': 'close() 之前 join() 会被拒绝',
    'no more tasks': '不再接受任务',
    'wait for the workers to finish and exit': '等待工作进程做完并退出',
    "the blog post's warning, for real": '原文的警告，真实运行一遍',
    '... until get() raises it': '……直到 get() 把它抛出来',
}

SUBMIT_AFTER_CLOSE = "apply_async after close(): "
FAILED_GET = "get() of the failed task: "
FAILED_UNNOTICED = "the failed task, before get(): "
JOIN_BEFORE_CLOSE = "join() before close(): "
POOL_WORKER_NAME = "PoolWorker"

# What the task needs besides its argument: set in each worker by the pool's setup
# (under every start method; a spawned worker inherits nothing), so the pool
# pickles only the Task and the argument per task.
_job = {}


def set_job(job):
    _job.update(job)


def work(i):
    """The blog post's run(i): print, a CPU-bound job, and a return value."""
    print(i)
    # A pool worker is single-threaded: a gap in its loop is the OS running something else.
    _job["ctx"].cpu_work(_job["iterations"], S.PREEMPTED)
    return i * i


def fail(i):
    """A task that raises: apply_async keeps the exception until someone calls get()."""
    raise ValueError("task %d failed" % i)


def run(ctx, p):
    from ..probe import Task, error_text  # here, not at import: the GUI lists scenarios before its first paint
    tasks = p["tasks"]
    ctx.value("os.cpu_count()", os.cpu_count() or 1)
    ctx.value("cpu_count", usable_cpus())
    if hasattr(os, "process_cpu_count"):  # 3.13+
        ctx.value("os.process_cpu_count()", os.process_cpu_count() or 1)
    job = {"ctx": ctx, "iterations": p["iterations"]}
    task, task_id, rec = Task(work), ctx.intern(work.__name__), ctx.rec()
    with ctx.phase("pool"):
        # None: the Pool's own default size
        pool = ctx.pool(p["workers"] or None, POOL_WORKER_NAME, setup=(set_job, (job,)))
        results = []
        for i in range(tasks):
            results.append(pool.apply_async(task, (i,)))
            rec.event(K.TASK_SUBMIT, task_id, i)
        failed = pool.apply_async(fail, (tasks,)) if p["failing_task"] else None
        try:
            pool.join()
        except ValueError as exc:
            print(JOIN_BEFORE_CLOSE + error_text(exc))
        pool.close()
        ctx.join(pool)
    try:
        pool.apply_async(task, (tasks,))
        print(SUBMIT_AFTER_CLOSE + "accepted (no error)")
    except ValueError as exc:
        print(SUBMIT_AFTER_CLOSE + error_text(exc))
    print([r.get() for r in results])
    if failed is not None:
        # The pool has closed and joined without a word about the error.
        print(FAILED_UNNOTICED + "ready=%s successful=%s" % (failed.ready(), failed.successful()))
        try:
            failed.get()
            print(FAILED_GET + "no error")
        except ValueError as exc:
            print(FAILED_GET + error_text(exc))


def _printed(run, prefix):
    """The text after prefix in the runner's printed lines (None if never printed)."""
    for _, pid, _, line in run.outputs():
        if line.startswith(prefix):
            return line[len(prefix):]
    return None


def verdict(run, p):
    cores = run.value("cpu_count", 1)
    pool_pids = sorted({int(pid) for pid in run.named(K.PROCESS_START, POOL_WORKER_NAME)["pid"]})
    spans = run.tasks()
    per_worker = dict((pid, int((spans["pid"] == pid).sum())) for pid in pool_pids)
    used = sum(1 for count in per_worker.values() if count)
    after_close = _printed(run, SUBMIT_AFTER_CLOSE)
    figures = {
        "cpu_count": cores,
        "os_cpu_count": run.value("os.cpu_count()"),
        "os_process_cpu_count": run.value("os.process_cpu_count()"),
        "pool_size": len(pool_pids),
        "pool_size_asked": p["workers"],
        "tasks_submitted": run.count(K.TASK_SUBMIT),
        "tasks": int(len(spans["pid"])),
        "tasks_per_worker": per_worker,
        "workers_used": used,
        "wall_pool_s": round(run.phase_wall_s("pool") or 0.0, 3),
        "join_before_close_error": _printed(run, JOIN_BEFORE_CLOSE),
        "submit_after_close_error": after_close,
        "failed_task_before_get": _printed(run, FAILED_UNNOTICED),
        "failed_task_get_error": _printed(run, FAILED_GET),
    }
    if run.stopped and after_close is None:  # stopped before close(): tasks so far
        head = text("%d of %d tasks finished on %d reused workers (pool size %d) before the end"
                    % (figures["tasks"], p["tasks"], used, len(pool_pids)),
                    "结束前 %d 个任务中有 %d 个完成，由 %d 个复用的工作进程执行（进程池大小 %d）"
                    % (p["tasks"], figures["tasks"], used, len(pool_pids)))
        return Verdict(head, figures, [pool_size_note(figures, p["workers"])] if pool_pids else [])
    refused = bool(after_close) and after_close.startswith("ValueError")
    head = text("%d tasks on %d reused workers (pool size %d); apply_async after close(): %s"
                % (figures["tasks"], used, len(pool_pids), after_close),
                "%d 个任务由 %d 个复用的工作进程完成（进程池大小 %d）；close() 之后 apply_async：%s"
                % (figures["tasks"], used, len(pool_pids), after_close))
    notes = [pool_size_note(figures, p["workers"]),
        text("A pool does not start a process per task: its %d worker processes ran all %d tasks "
             "(tasks per worker %s), which is what makes it cheap for many small jobs."
             % (len(pool_pids), figures["tasks"], list(per_worker.values())),
             "进程池不会为每个任务新开进程：%d 个工作进程完成了全部 %d 个任务（每个工作进程的任务数 %s），"
             "所以处理大量小任务时开销很小。"
             % (len(pool_pids), figures["tasks"], list(per_worker.values()))),
        text("apply_async returns at once (an AsyncResult; get() waits for the value). close() "
             "refuses further tasks and lets the workers finish; join() waits for them to exit. "
             "join() before close(): %s. apply_async after close(): %s."
             % (figures["join_before_close_error"], after_close),
             "apply_async 立即返回（一个 AsyncResult，get() 才等待结果）。close() 拒绝新任务，"
             "让工作进程做完手头的任务；join() 等待它们退出。close() 之前 join()：%s。"
             "close() 之后 apply_async：%s。" % (figures["join_before_close_error"], after_close)),
    ]
    if p["failing_task"]:
        notes.append(failed_task_note(figures))
    return Verdict(head, figures, notes, ok=refused and figures["tasks"] == p["tasks"])


def failed_task_note(figures: dict) -> dict:
    """apply_async's errors: kept in the AsyncResult, seen only by get() (measured)."""
    before, error = figures["failed_task_before_get"], figures["failed_task_get_error"]
    if before and "successful=False" in before and error and error.startswith("ValueError"):
        return text("One more task raised ValueError. Nothing showed it: the pool closed and joined "
                    "as if all went well (%s). Only get() raised it: %s. Call get() on every "
                    "AsyncResult, or pass error_callback, or errors are lost." % (before, error),
                    "另外一个任务抛出了 ValueError。没有任何提示：进程池照常 close、join，就像一切正常（%s）。"
                    "只有调用 get() 时才抛出：%s。要对每个 AsyncResult 调用 get()，或者传入 error_callback，"
                    "否则错误就丢失了。" % (before, error))
    return text("The failing task: before get() %s; get() gave %s." % (before, error),
                "会失败的任务：get() 之前 %s；get() 得到 %s。" % (before, error))


def pool_size_note(figures: dict, asked: int) -> dict:
    """Where the pool's size came from, told from this run's counts."""
    size, machine = figures["pool_size"], figures["os_cpu_count"]
    usable, process = figures["cpu_count"], figures["os_process_cpu_count"]
    counts_en = "os.cpu_count() is %s (every logical CPU of the machine)" % machine
    counts_zh = "os.cpu_count() 为 %s（整台机器的逻辑 CPU 数）" % machine
    if process is not None:
        counts_en += ", os.process_cpu_count() is %s (those this process may use)" % process
        counts_zh += "，os.process_cpu_count() 为 %s（本进程可用的）" % process
    else:
        counts_en += ", and this process may use %s of them" % usable
        counts_zh += "，本进程可用其中 %s 个" % usable
    if asked:
        return text("Pool(%d) started %d worker processes; %s." % (asked, size, counts_en),
                    "Pool(%d) 启动了 %d 个工作进程；%s。" % (asked, size, counts_zh))
    if process is not None:
        return text("Pool() started %d worker processes: its default on this Python (3.13+) is "
                    "os.process_cpu_count(), no longer os.cpu_count(); %s." % (size, counts_en),
                    "Pool() 启动了 %d 个工作进程：在这个 Python（3.13 起）上它的默认值是 "
                    "os.process_cpu_count()，不再是 os.cpu_count()；%s。" % (size, counts_zh))
    return text("Pool() started %d worker processes: its default before 3.13 is os.cpu_count() "
                "(3.13+: os.process_cpu_count()); %s." % (size, counts_en),
                "Pool() 启动了 %d 个工作进程：3.13 之前它的默认值是 os.cpu_count()"
                "（3.13 起为 os.process_cpu_count()）；%s。" % (size, counts_zh))


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "pool_size": text("Pool size", "进程池大小"),
    "pool_size_asked": text("Pool size asked for (0: Pool's default)", "请求的进程池大小（0：Pool 的默认值）"),
    "os_cpu_count": text("os.cpu_count()", "os.cpu_count()"),
    "os_process_cpu_count": text("os.process_cpu_count() (3.13+)", "os.process_cpu_count()（3.13 起）"),
    "tasks_submitted": text("Tasks submitted", "提交的任务数"),
    "tasks": text("Tasks run", "执行的任务数"),
    "tasks_per_worker": text("Tasks per worker", "每个工作进程的任务数"),
    "workers_used": text("Workers used", "用到的工作进程数"),
    "wall_pool_s": text("Pool time (s)", "进程池用时（秒）"),
    "join_before_close_error": text("join() before close()", "close() 之前 join()"),
    "submit_after_close_error": text("apply_async() after close()", "close() 之后 apply_async()"),
    "failed_task_before_get": text("Failing task, before get()", "会失败的任务：get() 之前"),
    "failed_task_get_error": text("Failing task: get() raised", "会失败的任务：get() 抛出"),
}


SCENARIO = Scenario(
    id="pool",
    group="processes",
    title=text("Pool: apply_async, close, join", "进程池：apply_async、close、join"),
    lesson=text(
        "multiprocessing.Pool starts a fixed set of worker processes (by default os.cpu_count(); "
        "since Python 3.13 os.process_cpu_count(), the CPUs this process may use) and feeds them "
        "tasks from a queue, so many tasks run on a few reused processes. apply_async submits one "
        "task and returns at once. close() says no more tasks will come, join() waits for the "
        "workers to exit: join() must come after close() (or terminate()), and submitting after "
        "close() raises ValueError.",
        "multiprocessing.Pool 启动一组固定的工作进程（默认等于 os.cpu_count()；3.13 起为 "
        "os.process_cpu_count()，即本进程可用的 CPU 数），从队列里给它们派任务，于是大量任务由少数几个复用的进程完成。"
        "apply_async 提交一个任务并立即返回。close() 表示不再有新任务，join() 等待工作进程退出："
        "调用 join() 之前必须先调用 close()（或 terminate()），close() 之后再提交任务会抛出 ValueError。"),
    params=(
        Param("workers", "int", 0, text("Pool size (worker processes)", "进程池大小（工作进程数）"),
              text("Pool(processes): --workers N sets it; 0 means Pool's default "
                   "(os.cpu_count(), 3.13+: os.process_cpu_count()).",
                   "Pool(processes)：--workers N 设置的就是它；0 表示 Pool 的默认值"
                   "（os.cpu_count()，3.13 起为 os.process_cpu_count()）。"),
              minimum=0, maximum=64),
        Param("tasks", "int", 8, text("Tasks (apply_async calls)", "任务数（apply_async 次数）"),
              text("How many tasks to submit to the pool.", "向进程池提交多少个任务。"),
              minimum=1, maximum=256),
        Param("failing_task", "bool", True, text("Add a task that raises", "加一个会抛出异常的任务"),
              text("apply_async(fail, ...) whose exception nobody asks for until get().",
                   "apply_async(fail, ...)：在调用 get() 之前，没有人会看到它的异常。")),
        Param("iterations", "int", 5000000, text("Loop iterations per task", "每个任务的循环次数"),
              text("The CPU-bound job each task does (x = x ^ 1).",
                   "每个任务做的 CPU 密集工作（x = x ^ 1）。"),
              minimum=0, maximum=500000000),
        start_method(),
    ),
    source=SOURCE,
    source_values={"PROCESSES": lambda v: v["workers"] or None, "TASKS": "tasks", "ITERATIONS": "iterations",
                   "FAILING_TASK": "failing_task", "START_METHOD": "start_method"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    shows=("tasks",),
    seed_section="Pool 相关",
)
