"""subprocess: run commands as child processes; call() blocks, Popen() does not."""
import os
import subprocess
import sys
import tempfile

from ..params import Param, workers
from ..wire import K, S
from .base import Scenario, Verdict, rounded_s, text

SOURCE = '''import os, subprocess, tempfile

N = 3                      # sleep commands
SECONDS = 0.2              # each one's length

with tempfile.TemporaryDirectory() as tmp:       # the blog post works in the current directory
    os.mkdir(os.path.join(tmp, "me"))            # ... with a file or two in it
    r = subprocess.call(["cp", "-r", "me", "me_copy"], cwd=tmp)
    print("Exit code", r)                        # 0: copied
    r = subprocess.call(["cp", "-r", "missing", "missing_copy"], cwd=tmp)
    print("Exit code", r)                        # not 0: cp failed, nothing raised
    status = os.system("ls " + os.path.join(tmp, "me_copy"))   # through /bin/sh
    print("os.system:", status, os.waitstatus_to_exitcode(status))
    status = os.system("exit 3")
    print("os.system:", status, os.waitstatus_to_exitcode(status))  # 768 3: a wait status
    pipe = os.popen("echo hello; exit 3")        # the blog post's os.popen: read its output
    print("os.popen read:", pipe.read().strip())
    print("os.popen close:", pipe.close())       # 768 as well: a wait status, not 3

# call() waits for each command: N commands take N times as long
for i in range(N):
    subprocess.call(["sleep", str(SECONDS)])

# Popen() starts a command and returns; start all, then wait for all
procs = [subprocess.Popen(["sleep", str(SECONDS)]) for i in range(N)]
for p in procs:
    p.wait()
print("done")
'''

CP = "cp -r me me_copy"
CP_MISSING = "cp -r missing missing_copy"
SYSTEM_LS = "os.system: ls me_copy"
SYSTEM_EXIT3 = "os.system: exit 3"
OS_POPEN_COMMAND = "echo hello; exit 3"
OS_POPEN = "os.popen: echo hello; exit 3"
STUBBORN = "python: ignores SIGTERM, sleeps"
STUBBORN_SLEEP_S = 3600
_STUBBORN_CODE = ("import signal, time\n"
                  "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                  "print('ready', flush=True)\n"
                  "time.sleep(%d)\n" % STUBBORN_SLEEP_S)


def _spawned(ctx, proc, label):
    ctx.rec().event(K.PROC_SPAWN, ctx.intern(label), proc.pid)
    return proc


def _waited(ctx, proc):
    """Wait for a child with the calling lane in I/O wait; record its exit code."""
    rec = ctx.rec()
    rec.state(S.IO_WAIT)
    try:
        code = proc.wait()
    finally:
        rec.state(S.RUNNING)
    rec.event(K.PROC_EXIT, code, proc.pid)
    return code


def _call(ctx, argv, label, **kwargs):
    """subprocess.call(argv): its own body (Popen, then wait), so the child's pid is known."""
    with subprocess.Popen(argv, **kwargs) as proc:
        _spawned(ctx, proc, label)
        return _waited(ctx, proc)


def _system(ctx, command, label):
    """os.system: /bin/sh runs the command; it returns a wait status and never tells the pid."""
    rec = ctx.rec()
    rec.event(K.PROC_SPAWN, ctx.intern(label), 0)
    rec.state(S.IO_WAIT)
    status = os.system(command)
    rec.state(S.RUNNING)
    code = os.waitstatus_to_exitcode(status)
    rec.event(K.PROC_EXIT, code, 0)
    ctx.value("status " + label, status)
    return status


def _popen_os(ctx):
    """os.popen, as in the blog post: read the command's output; close() gives a wait status."""
    rec = ctx.rec()
    rec.event(K.PROC_SPAWN, ctx.intern(OS_POPEN), 0)
    rec.state(S.IO_WAIT)
    pipe = os.popen(OS_POPEN_COMMAND)
    output = pipe.read()
    status = pipe.close()  # None when the command exited 0
    rec.state(S.RUNNING)
    rec.event(K.PROC_EXIT, os.waitstatus_to_exitcode(status) if status else 0, 0)
    print("os.popen read %r, close() returned %r" % (output.strip(), status))
    ctx.value("os.popen lines", len(output.splitlines()))
    ctx.value("os.popen close", status or 0)


def run(ctx, p):
    sigterm_ignorer = None
    if p["child_ignores_sigterm"]:  # first, so it is alive whenever Stop comes
        sigterm_ignorer = _spawned(ctx, subprocess.Popen([sys.executable, "-c", _STUBBORN_CODE],
                                                  stdout=subprocess.PIPE), STUBBORN)
        sigterm_ignorer.stdout.readline()  # its SIGTERM handler is in place
    with tempfile.TemporaryDirectory(prefix="gilscope-subprocess-") as tmp:
        os.mkdir(os.path.join(tmp, "me"))
        for name in ("a.txt", "b.txt"):
            with open(os.path.join(tmp, "me", name), "w") as f:
                f.write(name + "\n")
        with ctx.phase("commands"):
            print("Exit code", _call(ctx, ["cp", "-r", "me", "me_copy"], CP, cwd=tmp))
            print("Exit code", _call(ctx, ["cp", "-r", "missing", "missing_copy"], CP_MISSING, cwd=tmp))
            status = _system(ctx, "ls " + os.path.join(tmp, "me_copy"), SYSTEM_LS)
            print("os.system status", status, "exit code", os.waitstatus_to_exitcode(status))
            status = _system(ctx, "exit 3", SYSTEM_EXIT3)
            print("os.system status", status, "exit code", os.waitstatus_to_exitcode(status))
            _popen_os(ctx)
        ctx.value("copied_files", len(os.listdir(os.path.join(tmp, "me_copy"))))
    sleeper = ["sleep", "%g" % p["child_seconds"]]
    label = " ".join(sleeper)
    with ctx.phase("call"):
        for _ in range(p["workers"]):
            _call(ctx, sleeper, label)
    with ctx.phase("popen"):
        procs = [_spawned(ctx, subprocess.Popen(sleeper), label) for _ in range(p["workers"])]
        for proc in procs:
            _waited(ctx, proc)
    if sigterm_ignorer is not None:
        sigterm_ignorer.terminate()  # SIGTERM: ignored
        ctx.sleep(0.2)
        ctx.value("alive_after_sigterm", sigterm_ignorer.poll() is None)
        print("the child ignores SIGTERM; waiting for it (%d s) until Stop" % STUBBORN_SLEEP_S)
        _waited(ctx, sigterm_ignorer)


def _commands(run):
    """[(label, pid, t_spawn, t_exit, exit code)] pairing each PROC_SPAWN with its PROC_EXIT."""
    done, open_ = [], []
    for e in run.of_kind(K.PROC_SPAWN, K.PROC_EXIT):
        if e["kind"] == K.PROC_SPAWN:
            open_.append([run.name(e["pid"], e["b"]), int(e["a"]), int(e["t"]), None, None])
            continue
        for i, item in enumerate(open_):  # os.system's children all have pid 0: first one
            if item[1] == int(e["a"]):
                item[3], item[4] = int(e["t"]), int(e["b"])
                done.append(tuple(open_.pop(i)))
                break
    return sorted(done + [tuple(item) for item in open_], key=lambda c: c[2])


def _in_phase(run, commands, phase):
    begin, end = run.named(K.PHASE_BEGIN, phase), run.named(K.PHASE_END, phase)
    if not len(begin) or not len(end):
        return []
    t0, t1 = int(begin["t"].min()), int(end["t"].max())
    return [c for c in commands if t0 <= c[2] <= t1]


def _most_at_once(commands):
    edges = sorted([(c[2], 1) for c in commands] + [(c[3], -1) for c in commands if c[3]])
    alive = most = 0
    for _, step in edges:
        alive += step
        most = max(most, alive)
    return most


def _code(commands, label):
    return next((c[4] for c in commands if c[0] == label), None)


def popen_note(figures: dict, n: int) -> dict:
    """call() against Popen(), from the most children this run saw alive at once."""
    most_call, most_popen = figures["most_at_once_call"], figures["most_at_once_popen"]
    if most_popen == n and n > 1:
        together_en, together_zh = "all %d ran together" % n, "%d 个子进程全部同时运行" % n
    else:
        together_en = "at most %d of the %d ran at the same time" % (most_popen, n)
        together_zh = "%d 个子进程中最多有 %d 个同时运行" % (n, most_popen)
    return text("call() blocks, so its children ran one at a time (at most %d at once); Popen() returns "
                "as soon as the child starts, so %s, and wait() collected each exit code."
                % (most_call, together_en),
                "call() 会阻塞，所以它的子进程只能逐个运行（同时最多 %d 个）；Popen() 在子进程启动后立即返回，"
                "所以%s，最后由 wait() 回收并取得退出码。" % (most_call, together_zh))


def verdict(run, p):
    commands = _commands(run)
    call, popen = _in_phase(run, commands, "call"), _in_phase(run, commands, "popen")
    wall_call, wall_popen = run.phase_wall_s("call"), run.phase_wall_s("popen")
    figures = {
        "exit_codes": [[c[0], c[4]] for c in commands],
        "child_pids": [c[1] for c in commands if c[1]],
        "cp_exit_code": _code(commands, CP),
        "cp_missing_exit_code": _code(commands, CP_MISSING),
        "copied_files": run.value("copied_files"),
        "system_exit_code": _code(commands, SYSTEM_LS),
        "system_exit3_status": run.value("status " + SYSTEM_EXIT3),
        "system_exit3_exit_code": _code(commands, SYSTEM_EXIT3),
        "os_popen_lines_read": run.value("os.popen lines"),
        "os_popen_close_status": run.value("os.popen close"),
        "os_popen_exit_code": _code(commands, OS_POPEN),
        "wall_call_s": rounded_s(wall_call), "wall_popen_s": rounded_s(wall_popen),
        "speedup_popen": round(wall_call / wall_popen, 2) if wall_call and wall_popen else None,
        "most_at_once_call": _most_at_once(call), "most_at_once_popen": _most_at_once(popen),
    }
    if p["child_ignores_sigterm"]:
        figures["alive_after_sigterm"] = bool(run.value("alive_after_sigterm", 0))
    if wall_call and wall_popen:
        head = text("%d × %s: call() one after another %.2f s, Popen() all at once %.2f s"
                    % (p["workers"], " ".join(["sleep", "%g" % p["child_seconds"]]), wall_call, wall_popen),
                    "%d 次 %s：call() 逐个运行 %.2f 秒，Popen() 同时运行 %.2f 秒"
                    % (p["workers"], " ".join(["sleep", "%g" % p["child_seconds"]]), wall_call, wall_popen))
    else:
        head = text("The run ended before call() and Popen() were compared",
                    "运行在比较 call() 与 Popen() 之前就结束了")
    notes = [
        text("subprocess.call runs a command, waits for it and returns its exit code: cp -r gave %s "
             "(%s files copied); copying a missing directory gave %s. A failed command raises "
             "nothing: check the code, or use subprocess.run(..., check=True)."
             % (figures["cp_exit_code"], figures["copied_files"], figures["cp_missing_exit_code"]),
             "subprocess.call 运行命令、等待它结束并返回退出码：cp -r 返回 %s（复制了 %s 个文件）；"
             "复制不存在的目录返回 %s。命令失败不会抛出异常：要检查退出码，或者用 subprocess.run(..., check=True)。"
             % (figures["cp_exit_code"], figures["copied_files"], figures["cp_missing_exit_code"])),
        text("os.system runs the command through /bin/sh and returns a wait status, not the exit "
             "code: 'exit 3' returned %s, which os.waitstatus_to_exitcode turns into %s. Prefer "
             "subprocess with a list of arguments: no shell, no quoting problems."
             % (figures["system_exit3_status"], figures["system_exit3_exit_code"]),
             "os.system 通过 /bin/sh 运行命令，返回的是等待状态而不是退出码：“exit 3”返回 %s，"
             "用 os.waitstatus_to_exitcode 转换后才是 %s。更推荐用参数列表调用 subprocess：不经过 shell，没有引号问题。"
             % (figures["system_exit3_status"], figures["system_exit3_exit_code"])),
        text("os.popen(%r) gives a file to read the command's output (%s line read); its close() "
             "returns None on success, otherwise a wait status as well: %s (exit code %s)."
             % (OS_POPEN_COMMAND, figures["os_popen_lines_read"], figures["os_popen_close_status"],
                figures["os_popen_exit_code"]),
             "os.popen(%r) 返回一个文件对象，可读出命令的输出（读到 %s 行）；它的 close() 成功时返回 None，"
             "否则同样返回等待状态：%s（退出码 %s）。"
             % (OS_POPEN_COMMAND, figures["os_popen_lines_read"], figures["os_popen_close_status"],
                figures["os_popen_exit_code"])),
        popen_note(figures, p["workers"]),
    ]
    ok = figures["cp_exit_code"] == 0 and figures["system_exit_code"] == 0
    return Verdict(head, figures, notes, ok=ok)


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "exit_codes": text("Exit codes", "退出码"),
    "child_pids": text("Child PIDs", "子进程 PID"),
    "cp_exit_code": text("cp -r exit code", "cp -r 的退出码"),
    "cp_missing_exit_code": text("cp -r of a missing folder: exit code", "cp -r 不存在的目录：退出码"),
    "copied_files": text("Files copied", "复制的文件数"),
    "system_exit_code": text('os.system("ls"): exit code', 'os.system("ls")：退出码'),
    "system_exit3_status": text('os.system("exit 3") returned', 'os.system("exit 3") 的返回值'),
    "system_exit3_exit_code": text("Its exit code", "它的退出码"),
    "os_popen_lines_read": text("os.popen(): lines read", "os.popen()：读到的行数"),
    "os_popen_close_status": text("os.popen().close() returned", "os.popen().close() 的返回值"),
    "os_popen_exit_code": text("Its exit code", "它的退出码"),
    "wall_call_s": text("call(), one after another (s)", "call()，一个接一个（秒）"),
    "wall_popen_s": text("Popen(), all at once (s)", "Popen()，同时运行（秒）"),
    "speedup_popen": text("Popen() speedup", "Popen() 加速比"),
    "most_at_once_call": text("Most running at once, call()", "call() 时最多同时运行"),
    "most_at_once_popen": text("Most running at once, Popen()", "Popen() 时最多同时运行"),
    "alive_after_sigterm": text("Alive after SIGTERM", "收到 SIGTERM 后仍存活"),
}


# The steps of run() marked on the timeline.
PHASES = {
    "commands": text("commands and their exit codes", "命令及其退出码"),
    "call": text("call(): one after another", "call()：一个接一个"),
    "popen": text("Popen(): all at once", "Popen()：同时运行"),
}


SCENARIO = Scenario(
    id="subprocess",
    group="processes",
    title=text("subprocess: run commands", "subprocess：运行命令"),
    lesson=text(
        "subprocess starts other programs (cp, ls, sleep, another Python) as child processes. "
        "subprocess.call waits for the command and returns its exit code (0: success). os.system "
        "does the same through the shell but returns a wait status. Popen starts the command "
        "without waiting, so several commands can run at once; wait() collects each exit code. "
        "The waiting shows as I/O wait on the calling lane.",
        "subprocess 把其他程序（cp、ls、sleep、另一个 Python）作为子进程启动。subprocess.call 等待命令结束并返回退出码"
        "（0 表示成功）。os.system 通过 shell 做同样的事，但返回的是等待状态。Popen 启动命令后不等待，"
        "所以多个命令可以同时运行；wait() 回收子进程并取得各自的退出码。等待在调用者的泳道上显示为 I/O 等待。"),
    params=(
        workers(default=3, minimum=1, maximum=16),
        Param("child_seconds", "float", 0.3, text("Seconds each sleep child takes", "每个 sleep 子进程的秒数"),
              minimum=0.01, maximum=10.0, unit="s"),
        Param("child_ignores_sigterm", "bool", False,
              text("Add a child that ignores SIGTERM", "加一个忽略 SIGTERM 的子进程"),
              text("A Python child that ignores SIGTERM and sleeps %d s; the run waits for it until "
                   "you press Stop, which still ends it." % STUBBORN_SLEEP_S,
                   "一个忽略 SIGTERM 并休眠 %d 秒的 Python 子进程；运行会一直等它，直到按下停止——停止照样能结束它。"
                   % STUBBORN_SLEEP_S)),
    ),
    source=SOURCE,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=PHASES,
    seed_section="子进程 subprocess",
)
