"""The blog post beside the port: what the post says in the section a scenario comes from
(its own words, in Chinese), and what this port changed in its program.

The lesson tab shows both after the lesson (see base.Scenario).  The quotes are the
post's, verbatim (its typos included); the post is "python-多进程、多线程" (2018-11-08).
"""
from .base import text

POST_TITLE = "python-多进程、多线程"

# scenario id -> (the post's section, its own words, what the port changed)
POST = {
    "process-basics": (
        "Process 相关的操作",
        "其中`start`方法用来启动，`join`方法可以等等子进程程结束后再继续往下支行，常用于进程间的同步，即一个一个地执行。",
        text("print i → print(i); i comes from a loop over N children; each child runs a short "
             "CPU-bound job so it lives long enough to see; start-join one by one is shown beside "
             "start all, then join all; the if __name__ == \"__main__\": guard spawn and "
             "forkserver need.",
             "print i → print(i)；i 来自对 N 个子进程的循环；每个子进程做一段简短的 CPU 密集工作，"
             "存活得足够久才看得见；逐个 start 再 join 与先全部 start 再全部 join 并列展示；"
             "加上 spawn 和 forkserver 需要的 if __name__ == \"__main__\": 保护。")),
    "pool": (
        "Pool 相关",
        "Pool的参数 default是机子的CPU核心数目，在调用`join`之前必须要有`close()`方法，"
        "调用完`close()`方法之后就不能继续添加新的`Process`了。",
        text("print i → print(i); the guard; tasks return a value, read with get(); join() before "
             "close() and apply_async() after close() run for real; one more task raises, to show "
             "that only get() reports it. The default pool size is os.cpu_count(), logical CPUs "
             "(3.13+: os.process_cpu_count()), not cores.",
             "print i → print(i)；加上保护；任务有返回值，用 get() 取得；close() 之前 join() 和 close() 之后 "
             "apply_async() 都真实运行；再加一个会抛出异常的任务，说明只有 get() 才会报告它。"
             "进程池的默认大小是 os.cpu_count()，即逻辑 CPU 数（3.13 起为 os.process_cpu_count()），不是核心数。")),
    "pool-order": (
        "解决办法",
        "而且results是和`workers.map(run, range(1,20))`这里面传入的参数的排序有关系，不过可以也让结果变乱。",
        text("print results → print(results); the post runs os.system(\"mkdir TEXT\") and writes "
             "TEXT/i.txt in the current directory: here a temporary directory, passed to the "
             "workers by an initializer (a global set under the guard is not seen by spawn "
             "workers); tasks sleep for different times so they finish out of order; "
             "imap_unordered beside map.",
             "print results → print(results)；原文先 os.system(\"mkdir TEXT\")，再在当前目录写 TEXT/i.txt："
             "这里改用临时目录，并通过 initializer 交给工作进程（在保护块里设置的全局变量，spawn 的工作进程看不到）；"
             "任务休眠时长各不相同，所以完成顺序是乱的；map 旁边加上 imap_unordered。")),
    "subprocess": (
        "子进程 subprocess",
        "这样可以在程序中执行命令行里的操作os里面也有类似的函数。比如`os.system`,`os.popen`等。",
        text("The copy runs in a temporary directory, not the current one; a failed cp, os.system "
             "and os.popen run too, with the wait status they return; call() one after another "
             "beside Popen() all at once.",
             "复制在临时目录里进行，而不是当前目录；还运行了失败的 cp、os.system 和 os.popen，"
             "并给出它们返回的等待状态；call() 逐个运行与 Popen() 同时运行并列展示。")),
    "shared-globals": (
        "自己遇到的bug，还没有改好 / 解决办法",
        "其实原因是，多进程的时候，各个进程之间是不共享内存的，即便是程序里面的global变量，"
        "这个global变量在每个子进程中是它们各自的global变量，但在各个子进程之间却不share。",
        text("print ret → print(ret); the guard, without which spawn and forkserver children "
             "re-run the whole program and die; the queues stay referenced until the writers are "
             "joined; the fixes (a results Queue, Pool.map, a Manager list, shared memory) run "
             "for real; the start method is a knob.",
             "print ret → print(ret)；加上保护——没有它，spawn 和 forkserver 的子进程会重新执行整个程序而出错；"
             "在写进程 join 之前一直保留对队列的引用；各种修正（结果队列、Pool.map、Manager 列表、共享内存）都真实运行；"
             "启动方式可以选择。")),
    "thread-names": (
        "多线程 threading 模块",
        "其实任何一个进程default都会启动一个线程，这个线程就是主线程，主线程又可以启动新的线程，"
        "`threading.current_thread()`会返回当前线程的实例。",
        text("print x → print(x); the post's loop while n<100 never increments n and prints for "
             "ever: n += 1 added; import threading added; N threads instead of one.",
             "print x → print(x)；原文的循环 while n<100 从不递增 n，会一直打印下去：这里补上 n += 1；"
             "补上 import threading；一个线程改为 N 个线程。")),
    "race": (
        "线程锁",
        "就有可能出错，返回的结果可能不是0，主要原因是 `ret=ret+n`并不是原子操作。",
        text("The post starts run_thread, which it never defines: run is meant; the lock is taken "
             "with `with lock:` (the post: acquire() ... finally: release()); the loop count is a "
             "knob. Whether the result is 0 depends on the interpreter: the verdict says what "
             "this run measured.",
             "原文启动的是从未定义的 run_thread，本意是 run；加锁写成 with lock:（原文：acquire() ... finally: release()）；"
             "循环次数可调。结果是不是 0 取决于解释器：结论里给出本次运行实测的结果。")),
    "deadlock": (
        "线程锁",
        "这种情况下就要用锁来保证同一个时间，只能由一个来修改其内容。",
        text("Not in the post: what goes wrong with two locks taken in opposite orders, and the "
             "fix (one lock order).",
             "原文没有这一部分：两把锁以相反顺序获取时会出什么问题，以及修正方法（统一加锁顺序）。")),
    "gil": (
        "多核",
        "任何python线程执行前，都要先获得GIL锁，然后执行100条字节码之后就会释放GIL锁，让别的线程有机会执行。",
        text("print x → print(x); the post's endless while True loop is bounded; processes run "
             "beside the threads; the 100 bytecodes are Python 2: Python 3 uses a switch interval.",
             "print x → print(x)；原文的 while True 死循环改为有限次数；线程旁边再用进程跑一遍；"
             "“100 条字节码”是 Python 2 的做法：Python 3 用的是切换间隔。")),
    "threads-help": (
        "多核",
        "这样虽然python里面的线程是真正的线程，但是即使有100个线程在100个核上跑，也只能用到1个核。",
        text("Not in the post: that holds for Python code, not for waiting or C code that "
             "releases the GIL.",
             "原文没有这一部分：这只对 Python 代码成立，对等待和会释放 GIL 的 C 代码不成立。")),
    "convoy": (
        "多核",
        "任何python线程执行前，都要先获得GIL锁。",
        text("Not in the post: what the GIL costs a thread doing I/O beside a CPU-bound one.",
             "原文没有这一部分：GIL 让与 CPU 密集线程并存的 I/O 线程付出什么代价。")),
    "queue-pipeline": (
        "Pool 相关",
        "另外，多进程的时候常常有进程之间的通信,这里面有`Queue`，`Pipes`，比如我之前写的那个例子就是用的队列，"
        "读的进程读完之后放入队列，等待写的进程去写。",
        text("The post only names Queue and Pipes: here producers and consumers run through a "
             "bounded Queue with None sentinels, and the same items go through a Pipe().",
             "原文只提到了 Queue 和 Pipes：这里生产者和消费者通过有界 Queue 运行并以 None 哨兵结束，"
             "同样的数据项再经 Pipe() 传递一遍。")),
}


# Scenarios whose program starts processes through multiprocessing: the port made the start
# method a knob (engine.params.start_method), said in their changes.
START_METHOD_CHANGE = text(" The start method (fork, spawn, forkserver) is a knob, shown in "
                           "the program as START_METHOD.",
                           "启动方式（fork、spawn、forkserver）可以选择，程序中写作 START_METHOD。")
WITH_START_METHOD = ("process-basics", "pool", "pool-order", "gil", "queue-pipeline")


def post_paragraphs(scenario_id: str) -> dict:
    """{lang: the paragraphs appended to the lesson}, or {} for a scenario without an entry."""
    entry = POST.get(scenario_id)
    if entry is None:
        return {}
    section, words, changes = entry
    if scenario_id in WITH_START_METHOD:
        changes = dict((lang, changes[lang] + START_METHOD_CHANGE[lang]) for lang in changes)
    return {
        "en": "From the blog post \u201c%s\u201d, section \u201c%s\u201d (its own words): %s\n"
              "What this port changed: %s" % (POST_TITLE, section, words, changes["en"]),
        "zh_CN": "原文《%s》“%s”一节：%s\n本移植的改动：%s" % (POST_TITLE, section, words, changes["zh_CN"]),
    }
