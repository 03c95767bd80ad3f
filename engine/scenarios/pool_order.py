"""pool-order: Pool.map returns results in input order whatever order the tasks finish in."""
import os
import tempfile

from ..params import Param, start_method, workers
from ..wire import K, S
from .base import Scenario, Verdict, rounded_s, text

SOURCE = '''import multiprocessing, os, tempfile, time
from multiprocessing import Pool

PROCESSES = 6              # worker processes
TASKS = 19                 # the blog post: range(1, 20)
CHUNKSIZE = 1              # tasks handed to a worker at once (None: map's default)
UNIT = 0.03                # seconds: each task sleeps 1 to 5 units
START_METHOD = "fork"      # how children start: fork, spawn or forkserver

TEXT = None                # the output folder; each worker sets its own (see init)

def init(folder):          # runs once in every worker: spawn and forkserver workers
    global TEXT            # do not inherit the parent's globals
    TEXT = folder

def units(i):              # 1..5, scrambled but fixed per task
    return 1 + (i * 2654435761 >> 16) % 5

def run(i):
    time.sleep(UNIT * units(i))  # tasks of different lengths
    with open(os.path.join(TEXT, "%d.txt" % i), "w") as w:
        w.write("%d" % (i * i) + "\\n")
    return i * i * i

if __name__ == "__main__":
    multiprocessing.set_start_method(START_METHOD)
    with tempfile.TemporaryDirectory() as tmp:   # not the current directory
        folder = os.path.join(tmp, "TEXT")       # the blog post: os.system("mkdir TEXT")
        os.mkdir(folder)
        workers = Pool(processes=PROCESSES, initializer=init, initargs=(folder,))
        results = workers.map(run, range(1, TASKS + 1), CHUNKSIZE)
        print(results)                           # in input order, always
        print(list(workers.imap_unordered(run, range(1, TASKS + 1), CHUNKSIZE or 1)))  # as they finish
        workers.close()
        workers.join()
        print(len(os.listdir(folder)), "files written")
'''

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'worker processes': '工作进程数',
    'the blog post: range(1, 20)': '原文：range(1, 20)',
    "tasks handed to a worker at once (None: map's default)": '一次交给一个工作进程的任务数（None：map 的默认值）',
    'seconds: each task sleeps 1 to 5 units': '秒：每个任务休眠 1 到 5 个单位',
    'the output folder; each worker sets its own (see init)': '输出目录；每个工作进程自己设置（见 init）',
    'runs once in every worker: spawn and forkserver workers': '在每个工作进程中运行一次：spawn 和 forkserver 的工作进程',
    "do not inherit the parent's globals": '不继承父进程的全局变量',
    '1..5, scrambled but fixed per task': '1 到 5，打乱但每个任务固定',
    'tasks of different lengths': '长短不一的任务',
    'not the current directory': '不是当前目录',
    'the blog post: os.system("mkdir TEXT")': '原文：os.system("mkdir TEXT")',
    'in input order, always': '总是按输入顺序',
    'as they finish': '按完成的先后',
}

# Set in each worker by the pool's setup (a spawned worker inherits nothing).
_job = {}


def set_job(job):
    _job.update(job)


def units(i: int) -> int:
    """A task's length in time units: 1..5, scrambled (Knuth's multiplicative hash), fixed per i."""
    return 1 + (i * 2654435761 >> 16) % 5


def write(i):
    """The blog post's run(i): write TEXT/i.txt, return i cubed; the sleep makes lengths differ."""
    _job["ctx"].sleep(_job["unit_s"] * units(i))
    with open(os.path.join(_job["dir"], "%d.txt" % i), "w") as w:
        w.write("%d" % (i * i) + "\n")
    return i * i * i


def _waiting(rec, iterator):
    """Yield from a pool's result iterator, showing the caller's wait for each result."""
    while True:
        rec.state(S.QUEUE_WAIT)
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            rec.state(S.RUNNING)
        yield item


def run(ctx, p):
    from ..probe import Task  # here, not at import: the GUI lists scenarios before its first paint
    args = range(1, p["tasks"] + 1)
    chunksize, rec, task = p["chunksize"] or None, ctx.rec(), Task(write)  # 0: map's default
    with tempfile.TemporaryDirectory(prefix="gilscope-pool-order-") as tmp:
        text_dir = os.path.join(tmp, "TEXT")
        os.mkdir(text_dir)
        job = {"ctx": ctx, "dir": text_dir, "unit_s": p["unit_ms"] / 1000.0}
        pool = ctx.pool(p["workers"], setup=(set_job, (job,)))
        try:
            with ctx.phase("map"):
                rec.state(S.QUEUE_WAIT)  # map blocks until every result is in
                results = pool.map(task, args, chunksize)
                rec.state(S.RUNNING)
            print(results)
            for r in results:
                ctx.value("map_result", r)
            with ctx.phase("imap_unordered"):
                unordered = []
                # with no chunksize given, imap_unordered's own default (1)
                for r in _waiting(rec, pool.imap_unordered(task, args, chunksize or 1)):
                    ctx.value("unordered_result", r)
                    unordered.append(r)
            print(unordered)
            pool.close()
            ctx.join(pool)
        finally:
            pool.terminate()  # after a normal join this is a no-op
        ctx.value("files_written", len(os.listdir(text_dir)))


def _finish_order(run, spans, phase):
    """Task arguments in the order their TASK_FINISH was recorded inside a phase."""
    begin, end = run.named(K.PHASE_BEGIN, phase), run.named(K.PHASE_END, phase)
    if not len(begin) or not len(end):
        return []
    inside = (spans["t0"] >= begin["t"].min()) & (spans["t1"] <= end["t"].max())
    order = spans["t1"][inside].argsort(kind="stable")
    return [int(a) for a in spans["arg"][inside][order]]


def map_chunksize(tasks: int, pool_size: int, chunksize: int) -> int:
    """The chunk size map uses: the one given, else Lib/multiprocessing/pool.py's
    ``chunksize, extra = divmod(len(iterable), len(self._pool) * 4); if extra: chunksize += 1``
    (the same on 3.9-3.13)."""
    if chunksize:
        return chunksize
    size, extra = divmod(tasks, pool_size * 4)
    return size + 1 if extra else size


def _longest_run(run, spans, phase):
    """The longest run of consecutive inputs one worker did one after another in a phase:
    at least the chunk size, since a worker runs a whole chunk in order."""
    begin, end = run.named(K.PHASE_BEGIN, phase), run.named(K.PHASE_END, phase)
    if not len(begin) or not len(end):
        return None
    inside = (spans["t0"] >= begin["t"].min()) & (spans["t1"] <= end["t"].max())
    longest = 0
    for pid in set(spans["pid"][inside].tolist()):
        mine = inside & (spans["pid"] == pid)
        args = [int(a) for a in spans["arg"][mine][spans["t0"][mine].argsort(kind="stable")]]
        current = 0
        for i, a in enumerate(args):
            current = current + 1 if i and a == args[i - 1] + 1 else 1
            longest = max(longest, current)
    return longest


def _shown(order) -> str:
    return ", ".join(str(a) for a in order[:8]) + (", ..." if len(order) > 8 else "")


def pool_order_headline(figures: dict, result_order: list, completion: list) -> dict:
    """The headline, from what this run measured: result order, finishing order, chunks."""
    kept = figures["map_keeps_input_order"]
    if not kept:
        return text("map's results were NOT in input order: %s" % _shown(result_order),
                    "map 的结果没有按输入顺序：%s" % _shown(result_order))
    if figures["completion_differs_from_input"]:
        return text("map returned results in input order (%s) though tasks finished as %s"
                    % (_shown(result_order), _shown(completion)),
                    "map 按输入顺序返回结果（%s），尽管任务的完成顺序是 %s"
                    % (_shown(result_order), _shown(completion)))
    if figures["chunks"] == 1:
        return text("chunksize %d ≥ %d tasks: one chunk, so one worker ran them all in input order "
                    "(%s); map's results are in input order too"
                    % (figures["chunksize_map"], figures["tasks"], _shown(completion)),
                    "chunksize %d ≥ 任务数 %d：只有一块，由一个工作进程按输入顺序全部做完（%s）；"
                    "map 的结果也按输入顺序" % (figures["chunksize_map"], figures["tasks"], _shown(completion)))
    return text("Tasks finished in input order this time (%s); map's results are in input order too"
                % _shown(completion),
                "这次任务恰好按输入顺序完成（%s）；map 的结果也按输入顺序" % _shown(completion))


def chunk_note(figures: dict, p: dict) -> dict:
    given = p["chunksize"]
    how_en = ("chunksize=%d" % given if given else
              "no chunksize: map's default, ceil(%d / (4 × %d)) = %d (background: "
              "Lib/multiprocessing/pool.py; imap_unordered's default is 1)"
              % (p["tasks"], p["workers"], figures["chunksize_map"]))
    how_zh = ("chunksize=%d" % given if given else
              "未指定 chunksize：用 map 的默认值 ceil(%d / (4 × %d)) = %d（背景：Lib/multiprocessing/pool.py；"
              "imap_unordered 的默认值是 1）" % (p["tasks"], p["workers"], figures["chunksize_map"]))
    return text("%s: map cut the %d tasks into %d chunk(s) of up to %d and handed each to one "
                "worker, which ran it in order; the longest run of consecutive inputs one worker did "
                "was %s." % (how_en, p["tasks"], figures["chunks"], figures["chunksize_map"],
                             figures["longest_run_map"]),
                "%s：map 把 %d 个任务分成 %d 块（每块最多 %d 个），每块交给一个工作进程按顺序做完；"
                "单个工作进程连续完成的相邻输入最多 %s 个。" % (how_zh, p["tasks"], figures["chunks"],
                                                 figures["chunksize_map"], figures["longest_run_map"]))


def verdict(run, p):
    spans = run.tasks()
    arg_of = dict(zip(spans["result"].tolist(), spans["arg"].tolist()))  # results are i**3: unique
    inputs = list(range(1, p["tasks"] + 1))
    completion = _finish_order(run, spans, "map")
    result_order = [arg_of.get(r) for r in run.values("map_result")]
    unordered = [arg_of.get(r) for r in run.values("unordered_result")]
    unordered_completion = _finish_order(run, spans, "imap_unordered")
    figures = {
        "pool_size": int(len(run.named(K.PROCESS_START, "PoolWorker"))),
        "tasks": p["tasks"], "chunksize": p["chunksize"],
        "task_units": [units(i) for i in inputs],
        "completion_order": completion,
        "result_order": result_order,
        "unordered_order": unordered,
        "unordered_completion_order": unordered_completion,
        "map_keeps_input_order": result_order == inputs,
        "chunksize_map": map_chunksize(p["tasks"], p["workers"], p["chunksize"]),
        "longest_run_map": _longest_run(run, spans, "map"),
        "completion_differs_from_input": bool(completion) and completion != inputs,
        "files_written": run.value("files_written"),
        "wall_map_s": rounded_s(run.phase_wall_s("map")),
        "wall_imap_unordered_s": rounded_s(run.phase_wall_s("imap_unordered")),
    }
    figures["chunks"] = -(-p["tasks"] // figures["chunksize_map"])
    if run.stopped and len(result_order) < p["tasks"]:  # map never returned: no result order
        finished = [int(a) for a in spans["arg"][spans["t1"].argsort(kind="stable")]]
        figures["completion_order"] = finished
        head = text("map had not returned when stopped: %d of %d tasks finished, in the order %s"
                    % (len(finished), p["tasks"], _shown(finished)),
                    "停止时 map 还没有返回：%d 个任务中有 %d 个完成，完成顺序为 %s"
                    % (p["tasks"], len(finished), _shown(finished)))
        return Verdict(head, figures, [chunk_note(figures, p)])
    head = pool_order_headline(figures, result_order, completion)
    notes = [
        text("map(run, range(1, %d)) waits for every task, then returns the results lined up with "
             "the inputs, whatever order the workers finished in. imap_unordered hands each result "
             "over as soon as it arrives: %s. That is the blog post's \"results can also be out of order\"."
             % (p["tasks"] + 1, _shown(unordered)),
             "map(run, range(1, %d)) 等所有任务完成，再把结果按输入的顺序排好返回，不管工作进程按什么顺序完成。"
             "imap_unordered 每有一个结果完成就立即返回：%s。这就是原文说的“也可以让结果变乱”。"
             % (p["tasks"] + 1, _shown(unordered))),
        chunk_note(figures, p),
        text("Each task also wrote TEXT/i.txt (%s files) into a temporary directory, as the blog post does "
             "in the current one." % figures["files_written"],
             "每个任务还写了 TEXT/i.txt（共 %s 个文件），写在临时目录里；原文写在当前目录。"
             % figures["files_written"]),
    ]
    return Verdict(head, figures, notes, ok=figures["map_keeps_input_order"])


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "pool_size": text("Pool size", "进程池大小"),
    "tasks": text("Tasks", "任务数"),
    "chunksize": text("Chunk size", "分块大小（chunksize）"),
    "chunks": text("Chunks", "块数"),
    "chunksize_map": text("Chunk size map used", "map 使用的分块大小"),
    "longest_run_map": text("Longest run of consecutive inputs on one worker", "单个工作进程连续完成的相邻输入数（最长）"),
    "task_units": text("Sleep per task (units)", "每个任务的休眠时长（单位数）"),
    "completion_order": text("map(): order tasks finished", "map()：任务完成的顺序"),
    "result_order": text("map(): order of results", "map()：结果的顺序"),
    "unordered_order": text("imap_unordered(): order of results", "imap_unordered()：结果的顺序"),
    "unordered_completion_order": text("imap_unordered(): order tasks finished", "imap_unordered()：任务完成的顺序"),
    "map_keeps_input_order": text("map() keeps input order", "map() 保持输入顺序"),
    "completion_differs_from_input": text("Tasks finished out of input order", "任务完成顺序与输入不同"),
    "files_written": text("Files written", "写入的文件数"),
    "wall_map_s": text("map() time (s)", "map() 用时（秒）"),
    "wall_imap_unordered_s": text("imap_unordered() time (s)", "imap_unordered() 用时（秒）"),
}


# The steps of run() marked on the timeline.
PHASES = {
    "map": text("pool.map()", "pool.map()"),
    "imap_unordered": text("pool.imap_unordered()", "pool.imap_unordered()"),
}


SCENARIO = Scenario(
    id="pool-order",
    group="processes",
    title=text("Pool.map: result order vs finishing order", "Pool.map：结果顺序与完成顺序"),
    lesson=text(
        "Pool.map splits the inputs into tasks for the workers and returns a list of results in "
        "the same order as the inputs, even when later tasks finish first. Tasks here take "
        "different times, so they finish out of order: compare the task bars with the result "
        "list. imap_unordered yields each result as soon as it is ready instead.",
        "Pool.map 把输入拆成任务交给工作进程，返回的结果列表与输入顺序一致，即使后面的任务先完成。"
        "这里的任务耗时各不相同，所以完成顺序是乱的：请对比任务条与结果列表。"
        "imap_unordered 则是哪个任务先完成，就先返回哪个结果。"),
    params=(
        workers(default=6, minimum=1, maximum=32),
        Param("tasks", "int", 19, text("Tasks", "任务数"),
              text("map(run, range(1, tasks + 1)); the blog post uses range(1, 20).",
                   "map(run, range(1, tasks + 1))；原文用的是 range(1, 20)。"),
              minimum=1, maximum=200),
        Param("chunksize", "int", 1, text("chunksize", "分块大小（chunksize）"),
              text("How many tasks the pool hands a worker at once; 0: none given, map's own "
                   "default (not 1).",
                   "进程池一次交给一个工作进程的任务数；0：不指定，用 map 自己的默认值（不是 1）。"),
              minimum=0, maximum=200),
        Param("unit_ms", "int", 30, text("Task time unit", "任务时间单位"),
              text("Each task sleeps 1 to 5 of these units (fixed per task).",
                   "每个任务休眠 1 到 5 个这样的单位（每个任务固定）。"),
              minimum=1, maximum=1000, unit="ms"),
        start_method(),
    ),
    source=SOURCE,
    source_values={"PROCESSES": "workers", "TASKS": "tasks", "CHUNKSIZE": lambda v: v["chunksize"] or None,
                   "UNIT": lambda v: v["unit_ms"] / 1000.0, "START_METHOD": "start_method"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=PHASES,
    shows=("tasks",),
    seed_section="解决办法",
)
