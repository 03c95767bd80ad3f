"""race's words kept apart from race.py (the runner side): the shown program's Chinese
comments, the note on what is each thread's own, and the figure labels."""
from .base import text

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    "threads: the blog post's t1 and t2 add 5 and 8": '线程数：原文的 t1 和 t2 分别加 5 和 8',
    'the "Use a lock" knob': '“使用锁”选项',
    'the blog post: range(10000)': '原文：range(10000)',
    'shared by the threads: a global of the one process': '各线程共享：同一个进程的全局变量',
    'read ret, add, write ret back: not an atomic operation': '读 ret、相加、写回 ret：不是原子操作',
    'the blog post: lock.acquire() ... finally: lock.release()': '原文：lock.acquire() …… finally: lock.release()',
    '0 with the lock. Without it: 0 on a GIL build of 3.10+ (no thread switch can': '加锁时为 0。不加锁：在有 GIL 的 3.10+ 上也是 0（读和写之间',
    'fall between the read and the write here); on 3.9 or a free-threaded build': '不会发生线程切换）；在 3.9 或自由线程构建上',
    'updates can be lost (and +n/-n losses can still cancel out to 0).': '会丢失更新（+n/-n 的丢失也可能正好抵消成 0）。',
}


def locals_note(figures: dict, local_counts: list, thread_local_counts: list, iterations: int):
    """What is each thread's own, measured: its counters beside the shared ret (None when
    the threads did not report them: a scheduled run)."""
    if not local_counts:
        return None
    figures["local_counts"] = list(local_counts)
    figures["thread_local_counts"] = list(thread_local_counts)
    exact = all(c == iterations for c in list(local_counts) + list(thread_local_counts))
    lost = figures.get("lost_updates")
    shared = ("while the shared ret lost %d updates" % lost if lost else
              "while the shared ret ended at %d" % figures["final_value"])
    shared_zh = ("而共享的 ret 丢失了 %d 次更新" % lost if lost else "而共享的 ret 最终为 %d" % figures["final_value"])
    if exact:
        return text("What is each thread's own: a local variable and a threading.local attribute, "
                    "each incremented once per iteration, ended at %s and %s: exactly the %d "
                    "iterations of that thread, whatever the others did, %s."
                    % (local_counts, thread_local_counts, iterations, shared),
                    "各线程自己的东西：每次循环各加 1 的局部变量和 threading.local 属性，最终分别为 %s 和 %s："
                    "正好等于该线程自己的 %d 次循环，不受其他线程影响，%s。"
                    % (local_counts, thread_local_counts, iterations, shared_zh))
    return text("Each thread's own counters (a local variable, a threading.local attribute) ended "
                "at %s and %s, not all %d." % (local_counts, thread_local_counts, iterations),
                "各线程自己的计数器（局部变量、threading.local 属性）最终为 %s 和 %s，并不都是 %d。"
                % (local_counts, thread_local_counts, iterations))


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "final_value": text("Final value", "最终值"),
    "expected_value": text("Expected value", "预期值"),
    "local_counts": text("Each thread's local variable, at the end", "各线程的局部变量（结束时）"),
    "thread_local_counts": text("Each thread's threading.local count, at the end",
                                "各线程的 threading.local 计数（结束时）"),
    "lost_updates": text("Lost updates", "丢失的更新次数"),
    "switch_interval_us": text("Switch interval (µs)", "切换间隔（微秒）"),
    "lock_waits": text("Waits for the lock", "等锁次数"),
    "accesses_traced": text("Reads and writes traced", "追踪的读写次数"),
    "steps": text("Steps scheduled", "调度的步数"),
}
