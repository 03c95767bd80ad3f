"""shared-globals' words: the verdict's notes built from a run's figures, and figure labels.

Kept apart from shared_globals.py (the runner side) so each stays a readable size.
"""
from .base import text


# Background: what the post itself says (not measured).
POST_NOTE = text(
    "Background, the blog post: its first explanation is a friend's remark that \"list is not "
    "thread-safe\" — that is not the cause, no threads share this list. A few lines later it gives "
    "the right one: processes do not share memory, each has its own copy of the globals. Its "
    "fix works because a Queue carries the items back to the parent. In one process, the same "
    "append does reach ret: the post's fun(i) prints [[0], [1], [4]].",
    "背景（原文）：原文先转述了一位朋友的说法：“list 不是线程安全的”——这不是原因，这里没有线程共享这个列表。"
    "原文随后说的“各进程之间不共享内存，每个子进程都有自己的全局变量”才是原因。它的修正之所以有效，"
    "是因为 Queue 把数据送回了父进程。在同一个进程里，同样的 append 确实会改到 ret：原文的 fun(i) 打印出 [[0], [1], [4]]。")


def cause_note(figures: dict, bug_shown: bool, child_total: int) -> dict:
    """Why the parent's lists stayed empty, from this run's figures and start method."""
    parent, saw, method = figures["parent_list_lengths_bug"], figures["children_saw_parent_globals"], \
        figures["start_method"]
    single = figures["single_process_total"]
    if not bug_shown:
        return text("The bug did not show this run: the parent's lists have lengths %s and the writers "
                    "held %d of %d items." % (parent, child_total, figures["items"]),
                    "本次运行没有出现这个 bug：父进程的列表长度为 %s，写进程共持有 %d 个（共 %d 个）数据项。"
                    % (parent, child_total, figures["items"]))
    if all(saw):
        how_en = ("Each writer was forked: it started with a copy of the parent's memory, globals "
                  "included (each saw the parent's values)")
        how_zh = "每个写进程都是 fork 出来的：一开始拿到父进程内存（包括全局变量）的副本（都看到了父进程设置的值）"
    elif not any(saw):
        how_en = ("Each writer was started by %s: it imported the module afresh and got new globals "
                  "(none saw the parent's values), so its ret was a new, empty list" % method)
        how_zh = ("每个写进程都由 %s 启动：它重新导入模块，得到全新的全局变量（都没有看到父进程设置的值），"
                  "所以它的 ret 是一个新的空列表" % method)
    else:
        how_en = "The writers' globals came from the parent for %s" % saw
        how_zh = "写进程的全局变量是否来自父进程：%s" % saw
    return text("%s. They appended to their own lists (%d items), which vanished when they exited; "
                "the parent's ret was never touched (lengths %s), while the same appends in one "
                "process filled %d of 3 lists." % (how_en, child_total, parent, single),
                "%s。它们往自己的列表里追加了 %d 个数据项，进程退出时这些列表随之消失；父进程的 ret 从未被改动"
                "（长度 %s），而在同一个进程里做同样的追加，3 个列表中有 %d 个被填上。"
                % (how_zh, child_total, parent, single))


def join_first_note(figures: dict) -> dict:
    """join() before reading a child's queue: measured, with the pipe buffer it depends on."""
    size = "%d-byte strings" % figures["item_bytes"] if figures["item_bytes"] else "small ints"
    size_zh = "%d 字节的字符串" % figures["item_bytes"] if figures["item_bytes"] else "小整数"
    data = (figures["join_first_items"], size, figures["join_first_bytes"], figures["pipe_buffer_bytes"])
    data_zh = (figures["join_first_items"], size_zh, figures["join_first_bytes"], figures["pipe_buffer_bytes"])
    if figures["join_first_returned"]:
        return text("join() before reading was fine here: a child put %d %s (about %d bytes, the pipe "
                    "holds %d) and exited; join() returned in %.2f s." % (data + (figures["join_first_wait_s"],)),
                    "这里先 join 再读没有问题：子进程放入 %d 个%s（约 %d 字节，管道能容纳 %d 字节）后退出，"
                    "join() 用了 %.2f 秒就返回了。" % (data_zh + (figures["join_first_wait_s"],)))
    return text("join() before reading got stuck: a child put %d %s (about %d bytes, more than the %d "
                "the pipe holds) and could not exit until the parent read them; join() was still "
                "waiting after %.2f s. Read a queue before joining its writer when the data may be "
                "large." % (data + (figures["join_first_wait_s"],)),
                "先 join 再读卡住了：子进程放入 %d 个%s（约 %d 字节，超过管道能容纳的 %d 字节），"
                "在父进程读走之前无法退出；%.2f 秒后 join() 仍在等待。数据可能较大时，要先读队列，再 join 写进程。"
                % (data_zh + (figures["join_first_wait_s"],)))


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "items": text("Items appended", "追加的数据项数"),
    "start_method": text("Start method", "启动方式"),
    "parent_list_lengths_bug": text("Parent's list lengths (the bug)", "父进程的列表长度（错误写法）"),
    "child_list_lengths": text("Each writer's own list length", "各写进程自己的列表长度"),
    "children_saw_parent_globals": text("Writers started with the parent's globals",
                                        "写进程启动时拿到了父进程的全局变量"),
    "single_process_total": text("One process: items that reached ret", "单进程：写进 ret 的数据项数"),
    "item_bytes": text("Item size for join-first (bytes, 0: ints)", "先 join 测试的数据项大小（字节，0：整数）"),
    "join_first_items": text("Join-first: items put", "先 join 测试：放入的数据项数"),
    "join_first_bytes": text("Join-first: bytes put (about)", "先 join 测试：放入的字节数（约）"),
    "pipe_buffer_bytes": text("Pipe buffer (bytes)", "管道缓冲区（字节）"),
    "join_first_returned": text("join() before reading returned", "先 join 再读时 join() 返回了"),
    "join_first_wait_s": text("join() before reading waited (s)", "先 join 再读时 join() 等待（秒）"),
    "total_with_queue": text("Collected with a Queue", "用 Queue 收集到"),
    "total_with_pool": text("Collected from Pool results", "从 Pool 结果收集到"),
    "total_with_manager": text("Collected in a Manager list", "在 Manager 列表中收集到"),
    "total_with_shared_memory": text("Collected in shared memory", "在共享内存中收集到"),
    "pool_results_in_input_order": text("Pool results in input order", "Pool 结果保持输入顺序"),
    "wall_queue_s": text("Queue fix time (s)", "Queue 修正用时（秒）"),
    "wall_pool_s": text("Pool fix time (s)", "Pool 修正用时（秒）"),
    "wall_manager_s": text("Manager fix time (s)", "Manager 修正用时（秒）"),
    "wall_shared_memory_s": text("Shared-memory fix time (s)", "共享内存修正用时（秒）"),
}


# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'reader/writer pairs': '读/写进程对数',
    "appends to THIS process's ret": '追加到的是“本进程”的 ret',
    'Under fork a child starts with a copy of this list; under spawn and forkserver it': 'fork 出的子进程一开始拿到这个列表的副本；spawn 和 forkserver 的子进程',
    'imports this file again (as __mp_main__) and makes a fresh, empty one. Either way': '会重新导入本文件（作为 __mp_main__），得到一个全新的空列表。无论哪种，',
    'its appends never reach the parent.': '它追加的数据都到不了父进程。',
    'fix 1: send every item back to the parent': '修正 1：把每个数据项送回父进程',
    'the None too: it tells the parent this writer is done': 'None 也送回：告诉父进程这个写进程结束了',
    'fix 2: return the item instead of appending it': '修正 2：返回数据项，而不是追加它',
    "the blog post's readers and writers": '原文的读进程和写进程',
    'Return the queues too: the caller keeps them alive until the writers are joined.': '把队列也返回：调用者让它们一直存活，直到 join 了写进程。',
    'Under spawn and forkserver a child unpickles its queue after start() returned;': '在 spawn 和 forkserver 下，子进程在 start() 返回之后才反序列化它的队列；',
    'a queue the parent dropped by then is gone (FileNotFoundError in the child).': '父进程那时已丢弃的队列就不存在了（子进程中出现 FileNotFoundError）。',
    "[[], [], []]: the parent's own ret was never touched": '[[], [], []]：父进程自己的 ret 从未被改动',
    'Read before join: a child does not exit until what it put is in the pipe, and a': '先读再 join：子进程要等它放入的数据都进了管道才会退出，而管道',
    'pipe holds only so much (64 KiB on Linux) until someone reads it.': '在有人读取之前只能容纳这么多（Linux 上 64 KiB）。',
    'Fix 3: memory that really is shared: multiprocessing.Manager().list() (a server': '修正 3：真正共享的内存：multiprocessing.Manager().list()（由一个服务进程',
    'process holds the list; every append is a message to it) or shared_memory.': '保存列表，每次 append 都是发给它的一条消息）或 shared_memory。',
}
