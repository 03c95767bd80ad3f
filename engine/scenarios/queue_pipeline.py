"""queue-pipeline: producers -> bounded multiprocessing.Queue -> slower consumers, None sentinels."""
from ..params import Param, workers
from ..wire import K, S
from .base import Scenario, Verdict, text

SOURCE = '''import multiprocessing, time

PRODUCERS = 1
CONSUMERS = 2
ITEMS = 60
MAXSIZE = 8                # put() blocks while the queue holds this many items
CONSUMER_MS = 5            # a slow consumer: CPU work on each item

def work(seconds):         # stands for real processing of an item
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass

def producer(q, items):
    for item in items:
        q.put(item)        # blocks while the queue is full

def consumer(q, done):
    got = 0
    while True:
        item = q.get()     # blocks while the queue is empty
        if item is None:   # the sentinel: no more work
            break
        work(CONSUMER_MS / 1000)
        got += 1
    done.put(got)

if __name__ == "__main__":  # spawn and forkserver children import this file again
    q = multiprocessing.Queue(MAXSIZE)
    done = multiprocessing.Queue()
    producers = [multiprocessing.Process(target=producer, args=(q, range(k, ITEMS, PRODUCERS)))
                 for k in range(PRODUCERS)]
    consumers = [multiprocessing.Process(target=consumer, args=(q, done)) for _ in range(CONSUMERS)]
    for p in producers + consumers:
        p.start()
    for p in producers:
        p.join()
    for _ in consumers:
        q.put(None)        # one sentinel per consumer, after every item
    counts = [done.get() for _ in consumers]   # read before join
    for p in consumers:
        p.join()
    print("items handled:", sum(counts), counts)
'''

QUEUE_NAME = "queue"

CONSUMERS = workers(default=2, minimum=1, maximum=16)  # the shared worker-count bound
CONSUMERS.label = text("Consumer processes", "消费者进程数")
CONSUMERS.help = text("How many consumer processes take items from the queue.",
                      "从队列中取数据的消费者进程数量。")


def producer(ctx, q, items, producer_ms):
    put = 0
    for item in items:
        if producer_ms:
            ctx.work(producer_ms / 1000.0)
        q.put(item)
        put += 1
    ctx.value("items_put", put)


def consumer(ctx, q, consumer_ms):
    got = 0
    while True:
        item = q.get()
        if item is None:
            break
        got += 1
        ctx.work(consumer_ms / 1000.0)
    ctx.value("items_got", got)


def pipe_sender(ctx, conn, items):
    """The other end of a Pipe(): send every item, then the None sentinel."""
    for item in range(items):
        conn.send(item)
    conn.send(None)
    conn.close()


def run(ctx, p):
    n_prod, n_cons, items = p["producers"], p["workers"], p["items"]
    q = ctx.queue(QUEUE_NAME, p["maxsize"])
    producers = [ctx.process(producer, "PRODUCER%d" % (k + 1),
                             (ctx, q, range(k, items, n_prod), p["producer_ms"]))
                 for k in range(n_prod)]
    consumers = [ctx.process(consumer, "CONSUMER%d" % (k + 1), (ctx, q, p["consumer_ms"]))
                 for k in range(n_cons)]
    with ctx.phase("pipeline"):
        for proc in producers + consumers:
            proc.start()
        for proc in producers:
            ctx.join(proc)
        for _ in consumers:
            q.put(None)  # after every producer ended, so no item comes after a sentinel
        for proc in consumers:
            ctx.join(proc)
    q.q.close()
    q.q.join_thread()
    with ctx.phase("pipe"):
        mine, theirs = ctx.mp.Pipe()  # two connected ends; duplex by default
        sender = ctx.process(pipe_sender, "PIPE SENDER", (ctx, theirs, items))
        sender.start()
        theirs.close()  # the parent keeps only its own end
        got = 0
        for item in iter(mine.recv, None):
            got += 1
        ctx.join(sender)
        mine.close()
    ctx.value("pipe_items", got)


def time_in_state(run, lane_prefix, state):
    """Seconds the lanes whose label starts with lane_prefix spent in state (from spans)."""
    import numpy as np  # verdicts run on the GUI/CLI side; the runner imports only stdlib
    spans = run.spans()
    chosen = [i for i, label in enumerate(spans["labels"]) if label.startswith(lane_prefix)]
    mask = np.isin(spans["lane"], chosen) & (spans["state"] == state)
    return float((spans["t1"] - spans["t0"])[mask].sum()) / 1e9


def verdict(run, p):
    items_in, items_out = sum(run.values("items_put")), sum(run.values("items_got"))
    _, depth, _ = run.queue_depth(QUEUE_NAME)
    max_depth = int(depth.max()) if len(depth) else None
    exits = run.of_kind(K.PROC_EXIT)
    exit_codes = [int(code) for code in exits["b"]]
    # producers, consumers and the Pipe() sender
    clean = len(exit_codes) == p["producers"] + p["workers"] + 1 and all(c == 0 for c in exit_codes)
    blocked = time_in_state(run, "PRODUCER", S.QUEUE_WAIT)
    starved = time_in_state(run, "CONSUMER", S.QUEUE_WAIT)
    figures = {"items": p["items"], "items_in": items_in, "items_out": items_out,
               "maxsize": p["maxsize"], "max_queue_depth": max_depth,
               "producer_blocked_s": round(blocked, 3), "consumer_waiting_s": round(starved, 3),
               "exit_codes": exit_codes, "clean_shutdown": clean,
               "wall_pipeline_s": round(run.phase_wall_s("pipeline") or 0.0, 3),
               "pipe_items": run.value("pipe_items"),
               "wall_pipe_s": round(run.phase_wall_s("pipe") or 0.0, 3)}
    if run.stopped:
        return _stopped_verdict(run, p, figures, blocked)
    head = text("%d items in, %d out; queue depth peaked at %s of %d; producers blocked %.2f s; %s"
                % (items_in, items_out, max_depth, p["maxsize"], blocked,
                   "clean shutdown" if clean else "unclean shutdown (exit codes %s)" % exit_codes),
                "放入 %d 个数据项，取出 %d 个；队列深度最高 %s（上限 %d）；生产者阻塞 %.2f 秒；%s"
                % (items_in, items_out, max_depth, p["maxsize"], blocked,
                   "正常退出" if clean else "未能正常退出（退出码 %s）" % exit_codes))
    notes = [text(
        "Queue(%d) holds at most %d items. Once it is full, put() blocks: the producers' lanes "
        "show %.2f s of queue waits while the consumers (%g ms per item) catch up. A bounded "
        "queue keeps a fast producer from filling memory." % (p["maxsize"], p["maxsize"], blocked, p["consumer_ms"]),
        "Queue(%d) 最多容纳 %d 个数据项。队列满后 put() 会阻塞：消费者（每个数据项 %g 毫秒）追赶期间，"
        "生产者的泳道上出现了 %.2f 秒的队列等待。有界队列可防止快速的生产者耗尽内存。"
        % (p["maxsize"], p["maxsize"], p["consumer_ms"], blocked)),
        text(
            "Shutdown by sentinel: after the producers ended, the parent put one None per consumer; "
            "each consumer stops at a None, so every item before it was handled.",
            "用哨兵结束：生产者结束后，父进程为每个消费者放入一个 None；每个消费者读到一个 None 就停止，"
            "因此它之前的所有数据项都已处理。"),
        text(
            "A Pipe() joins exactly two ends, with no item limit, only the OS pipe buffer: a child "
            "sent %d items through one end and the parent read %s at the other in %.3f s, the same "
            "None ending it." % (p["items"], figures["pipe_items"], figures["wall_pipe_s"]),
            "Pipe() 只连接两端，没有数据项数上限，只受操作系统管道缓冲区限制：一个子进程从一端发送了 %d 个数据项，"
            "父进程在另一端读到 %s 个，用时 %.3f 秒，同样以 None 结束。"
            % (p["items"], figures["pipe_items"], figures["wall_pipe_s"]))]
    ok = items_in == items_out == p["items"] == figures["pipe_items"] and clean
    return Verdict(head, figures, notes, ok=ok)


def _stopped_verdict(run, p, figures, blocked):
    """Stopped: the puts and gets recorded on the queue so far (the producers' and
    consumers' totals come at their end), and no claim about the shutdown."""
    _, _, kinds = run.queue_depth(QUEUE_NAME)
    puts, gets = int((kinds == K.QUEUE_PUT).sum()), int((kinds == K.QUEUE_GET).sum())
    figures = dict(figures, items_in=puts, items_out=gets, clean_shutdown=None)
    head = text("%d puts and %d gets before the end; queue depth peaked at %s of %d; producers "
                "blocked %.2f s" % (puts, gets, figures["max_queue_depth"], p["maxsize"], blocked),
                "结束前放入 %d 次、取出 %d 次；队列深度最高 %s（上限 %d）；生产者阻塞 %.2f 秒"
                % (puts, gets, figures["max_queue_depth"], p["maxsize"], blocked))
    notes = [text("Queue(%d) holds at most %d items: once it was full, put() blocked, and the "
                  "producers' lanes show %.2f s of queue waits." % (p["maxsize"], p["maxsize"], blocked),
                  "Queue(%d) 最多容纳 %d 个数据项：队列满后 put() 会阻塞，生产者的泳道上出现了 %.2f 秒的队列等待。"
                  % (p["maxsize"], p["maxsize"], blocked))]
    return Verdict(head, figures, notes)


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "items": text("Items", "数据项数"),
    "items_in": text("Items put", "放入的数据项数"),
    "items_out": text("Items taken", "取出的数据项数"),
    "maxsize": text("Queue maxsize", "队列 maxsize"),
    "max_queue_depth": text("Deepest the queue got", "队列最大深度"),
    "producer_blocked_s": text("Producers blocked on a full queue (s)", "生产者因队列满而阻塞（秒）"),
    "consumer_waiting_s": text("Consumers waiting on an empty queue (s)", "消费者因队列空而等待（秒）"),
    "exit_codes": text("Exit codes", "退出码"),
    "clean_shutdown": text("Clean shutdown", "正常退出"),
    "wall_pipeline_s": text("Pipeline time (s)", "流水线用时（秒）"),
    "pipe_items": text("Items through a Pipe()", "经 Pipe() 传递的数据项数"),
    "wall_pipe_s": text("Pipe() time (s)", "Pipe() 用时（秒）"),
}


SCENARIO = Scenario(
    id="queue-pipeline",
    group="communication",
    title=text("Queue pipeline: producers, a bounded queue, consumers", "队列流水线：生产者、有界队列、消费者"),
    lesson=text(
        "Processes do not share memory, so they pass data through a multiprocessing.Queue: a "
        "pipe plus a feeder thread, safe for many processes. Here producer processes put items "
        "into a small bounded queue and slower consumer processes take them out. Watch the depth "
        "climb to the limit and the producers block; at the end one None per consumer shuts the "
        "pipeline down cleanly, as the blog post's reader and writer processes do.",
        "进程之间不共享内存，所以通过 multiprocessing.Queue 传递数据：它是一个管道加一个后台发送线程，"
        "可供多个进程安全使用。这里生产者进程往一个很小的有界队列里放数据，较慢的消费者进程从中取出。"
        "请观察队列深度涨到上限、生产者被阻塞；最后给每个消费者一个 None，流水线正常退出，"
        "与原文中读进程、写进程的做法相同。"),
    params=(
        CONSUMERS,
        Param("producers", "int", 1, text("Producer processes", "生产者进程数"),
              minimum=1, maximum=16),
        Param("items", "int", 60, text("Items", "数据项数"), minimum=1, maximum=100000),
        Param("maxsize", "int", 8, text("Queue size limit", "队列容量上限"),
              text("multiprocessing.Queue(maxsize): put() blocks while this many items wait.",
                   "multiprocessing.Queue(maxsize)：队列中已有这么多个数据项时 put() 会阻塞。"),
              minimum=1, maximum=10000),
        Param("consumer_ms", "float", 20.0, text("Consumer time per item", "消费者处理每个数据项的时间"),
              text("CPU work each consumer does per item (it shows as running).",
                   "每个消费者处理每个数据项所做的 CPU 工作（显示为运行中）。"),
              minimum=0.0, maximum=1000.0, unit="ms"),
        Param("producer_ms", "float", 0.0, text("Producer time per item", "生产者产生每个数据项的时间"),
              minimum=0.0, maximum=1000.0, unit="ms"),
    ),
    source=SOURCE,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    shows=("queue",),
    seed_section="Pool 相关",  # the paragraph on Queue and Pipes between processes
)
