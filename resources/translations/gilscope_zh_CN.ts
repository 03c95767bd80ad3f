<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>BusyWarning</name>
    <message>
        <source>Other programs are keeping {0:.1f} of {1} cores busy (last {2:g} s). A run now gets less of the cores: its timings and speedups will be lower than on a quiet machine, and its verdict will say it was distorted. Close them for a fair run.</source>
        <translation>其他程序正让 {1} 个核中的 {0:.1f} 个保持忙碌（最近 {2:g} 秒）。现在运行只能分到较少的核：用时和加速比会低于空闲机器上的结果，结论也会注明结果失真。关掉它们，运行结果才公正。</translation>
    </message>
</context>
<context>
    <name>CompareExport</name>
    <message>
        <source>Compare, or open a saved comparison, and let it end first.</source>
        <translation>请先运行比较或打开已保存的比较，并等它结束。</translation>
    </message>
    <message>
        <source>Runs, table and verdict as PNG (1920×1080)…</source>
        <translation>运行、表格和结论导出为 PNG（1920×1080）…</translation>
    </message>
    <message>
        <source>Runs, table and verdict as SVG (1920×1080)…</source>
        <translation>运行、表格和结论导出为 SVG（1920×1080）…</translation>
    </message>
    <message>
        <source>Figures of every run as CSV…</source>
        <translation>每次运行的数据导出为 CSV…</translation>
    </message>
    <message>
        <source>Median, min and max per setting as CSV…</source>
        <translation>每种设置的中位数、最小值和最大值导出为 CSV…</translation>
    </message>
    <message>
        <source>Save the comparison (.gilscope)…</source>
        <translation>保存此次比较（.gilscope）…</translation>
    </message>
    <message>
        <source>Cannot write {0}: {1}</source>
        <translation>无法写入 {0}：{1}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>CompareFiles</name>
    <message>
        <source>Stop the comparison before opening a saved one.</source>
        <translation>请先停止当前比较，再打开已保存的比较。</translation>
    </message>
    <message>
        <source>Opening {0}…</source>
        <translation>正在打开 {0}…</translation>
    </message>
    <message>
        <source>Cannot open the saved comparison: {0}</source>
        <translation>无法打开已保存的比较：{0}</translation>
    </message>
    <message>
        <source>Open a saved comparison or run</source>
        <translation>打开已保存的比较或运行</translation>
    </message>
    <message>
        <source>gilscope recordings (*.gilscope);;All files (*)</source>
        <translation>gilscope 录制文件 (*.gilscope);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open a saved comparison or run…</source>
        <translation>打开已保存的比较或运行…</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
</context>
<context>
    <name>CompareView</name>
    <message>
        <source>gilscope — compare runs</source>
        <translation>gilscope — 比较运行</translation>
    </message>
    <message>
        <source>Pythons to compare (tick two or more, or vary one knob):</source>
        <translation>要比较的 Python（勾选两个或更多，或改变一个参数）：</translation>
    </message>
    <message>
        <source>Vary:</source>
        <translation>改变：</translation>
    </message>
    <message>
        <source>values, comma-separated (e.g. off,on)</source>
        <translation>取值，用逗号分隔（例如 off,on）</translation>
    </message>
    <message>
        <source>Runs each:</source>
        <translation>每组运行次数：</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Pin the window&apos;s last run</source>
        <translation>固定主窗口的上一次运行</translation>
    </message>
    <message>
        <source>Keep the main window&apos;s last finished run here, to compare with the next ones</source>
        <translation>把主窗口上一次完成的运行留在这里，与之后的运行比较</translation>
    </message>
    <message>
        <source>not found any more (removed since the window looked for Pythons)</source>
        <translation>已找不到（在窗口查找 Python 之后被移除）</translation>
    </message>
    <message>
        <source>Nothing left to compare.</source>
        <translation>没有可以比较的了。</translation>
    </message>
    <message>
        <source>Looking for Pythons…</source>
        <translation>正在查找 Python…</translation>
    </message>
    <message>
        <source>No free-threaded build (3.13t, 3.14t) is installed here: GIL against no GIL (PYTHON_GIL=0/1) cannot be compared and is skipped.</source>
        <translation>这里没有安装自由线程版本（3.13t、3.14t）：无法比较有 GIL 与无 GIL（PYTHON_GIL=0/1），已跳过。</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>不改变</translation>
    </message>
    <message>
        <source>PYTHON_GIL (free-threaded builds)</source>
        <translation>PYTHON_GIL（自由线程版本）</translation>
    </message>
    <message>
        <source>Comparing…</source>
        <translation>正在比较…</translation>
    </message>
    <message>
        <source>Stop the comparison before opening a saved one.</source>
        <translation>请先停止当前比较，再打开已保存的比较。</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <source>Skipped: {0}.</source>
        <translation>已跳过：{0}。</translation>
    </message>
    <message>
        <source>Opened {0}: {1} runs of {2}, saved after {3} s.</source>
        <translation>已打开 {0}：{2} 的 {1} 次运行，保存时已用 {3} 秒。</translation>
    </message>
    <message>
        <source>Stopped in {0} s: every process of every run ended.</source>
        <translation>已在 {0} 秒内停止：每次运行的所有进程都已结束。</translation>
    </message>
    <message>
        <source>{0} runs in {1} s.</source>
        <translation>{0} 次运行，用时 {1} 秒。</translation>
    </message>
    <message>
        <source>The main window has no finished run to pin yet.</source>
        <translation>主窗口还没有可固定的已完成运行。</translation>
    </message>
</context>
<context>
    <name>CoreSplit</name>
    <message>
        <source>core {0}</source>
        <translation>核 {0}</translation>
    </message>
    <message>
        <source>This recording did not measure whose load it was.</source>
        <translation>这份录制没有测量负载属于谁。</translation>
    </message>
    <message>
        <source>whole run</source>
        <translation>整次运行</translation>
    </message>
    <message>
        <source>last second</source>
        <translation>最近一秒</translation>
    </message>
    <message>
        <source>this run</source>
        <translation>本次运行</translation>
    </message>
    <message>
        <source>other programs</source>
        <translation>其他程序</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>Each core&apos;s load (psutil) split by whose it was: this run&apos;s processes and gilscope&apos;s own (their threads&apos; CPU time from /proc schedstat, on the core each last ran on), the rest of the load is other programs&apos;, and what is left is idle.</source>
        <translation>每个核的负载（psutil）按归属拆分：本次运行的进程和 gilscope 自身（它们线程的 CPU 时间取自 /proc schedstat，记在各线程最后运行的核上），其余负载属于其他程序，剩下的是空闲。</translation>
    </message>
</context>
<context>
    <name>CpuPanel</name>
    <message>
        <source>CPU load per core (%), measured by psutil</source>
        <translation>每个核的 CPU 负载（%），由 psutil 测量</translation>
    </message>
    <message>
        <source>CPU load %</source>
        <translation>CPU 负载 %</translation>
    </message>
    <message>
        <source>load %</source>
        <translation>负载 %</translation>
    </message>
    <message>
        <source>seconds since Run</source>
        <translation>自点击运行起的秒数</translation>
    </message>
    <message>
        <source>core {0}</source>
        <translation>核 {0}</translation>
    </message>
    <message>
        <source>cores busy: {0:.1f} of {1}</source>
        <translation>忙碌的核：{0:.1f} / {1}</translation>
    </message>
    <message>
        <source> — other programs: {0:.1f}</source>
        <translation> — 其他程序：{0:.1f}</translation>
    </message>
</context>
<context>
    <name>ExportActions</name>
    <message>
        <source>Run a scenario or open a saved run first.</source>
        <translation>请先运行一个场景，或打开一次保存的运行。</translation>
    </message>
    <message>
        <source>Window as PNG (1920×1080)…</source>
        <translation>窗口存为 PNG（1920×1080）…</translation>
    </message>
    <message>
        <source>Window as SVG (1920×1080)…</source>
        <translation>窗口存为 SVG（1920×1080）…</translation>
    </message>
    <message>
        <source>Timeline as PNG (1920×1080)…</source>
        <translation>时间线存为 PNG（1920×1080）…</translation>
    </message>
    <message>
        <source>Timeline as SVG (1920×1080)…</source>
        <translation>时间线存为 SVG（1920×1080）…</translation>
    </message>
    <message>
        <source>Timeline spans as CSV…</source>
        <translation>时间线区段存为 CSV…</translation>
    </message>
    <message>
        <source>Verdict figures as CSV…</source>
        <translation>结论数据存为 CSV…</translation>
    </message>
    <message>
        <source>Verdict as text…</source>
        <translation>结论存为文本…</translation>
    </message>
    <message>
        <source>Perfetto trace (Chrome JSON)…</source>
        <translation>Perfetto 追踪（Chrome JSON）…</translation>
    </message>
    <message>
        <source>Recording (.gilscope)…</source>
        <translation>运行记录（.gilscope）…</translation>
    </message>
    <message>
        <source>Cannot write {0}: {1}</source>
        <translation>无法写入 {0}：{1}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>FileMenu</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open a saved run…</source>
        <translation>打开保存的运行…</translation>
    </message>
    <message>
        <source>Open a scenario file…</source>
        <translation>打开场景文件…</translation>
    </message>
    <message>
        <source>Open recent</source>
        <translation>最近打开</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
</context>
<context>
    <name>HelpSheet</name>
    <message>
        <source>(no description)</source>
        <translation>（无说明）</translation>
    </message>
    <message>
        <source>Step bar (after a run): ten steps forward</source>
        <translation>步进条（运行结束后）：前进十步</translation>
    </message>
    <message>
        <source>Step bar (after a run): ten steps back</source>
        <translation>步进条（运行结束后）：后退十步</translation>
    </message>
    <message>
        <source>Step bar (after a run): next step</source>
        <translation>步进条（运行结束后）：下一步</translation>
    </message>
    <message>
        <source>Step bar (after a run): previous step</source>
        <translation>步进条（运行结束后）：上一步</translation>
    </message>
    <message>
        <source>Be the scheduler: let thread N take the next step</source>
        <translation>当调度者：让第 N 个线程走下一步</translation>
    </message>
    <message>
        <source>Timeline: move earlier / later</source>
        <translation>时间线：向前 / 向后移动</translation>
    </message>
    <message>
        <source>Timeline: zoom in / out</source>
        <translation>时间线：放大 / 缩小</translation>
    </message>
    <message>
        <source>Timeline: the whole run</source>
        <translation>时间线：显示整个运行</translation>
    </message>
    <message>
        <source>Timeline: follow the live end on / off</source>
        <translation>时间线：开启 / 关闭跟随最新进度</translation>
    </message>
    <message>
        <source>wheel, drag</source>
        <translation>滚轮、拖动</translation>
    </message>
    <message>
        <source>Timeline and the plots under it: zoom, move</source>
        <translation>时间线及其下方的图：缩放、移动</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>One lane per thread or process, top to bottom in the order they appeared. Its colour is what the thread was doing; the legend under the lanes names each colour, and hovering a lane gives the exact state, times and durations.</source>
        <translation>每个线程或进程一条泳道，按出现的先后从上到下排列。颜色表示该线程当时在做什么；泳道下方的图例说明每种颜色，鼠标悬停在泳道上可看到确切的状态、时刻和持续时间。</translation>
    </message>
    <message>
        <source>Mixed colours</source>
        <translation>混合的颜色</translation>
    </message>
    <message>
        <source>Each pixel of a lane covers a slice of time. When a thread was in several states within that slice, the pixel is their mix, weighted by the time spent in each: half running and half waiting for the GIL is a colour between the two, a colour no single state has. Zoom in (+ or the wheel) until the colours separate, or hover.</source>
        <translation>泳道的每个像素覆盖一小段时间。线程在这段时间内处于多种状态时，该像素就是这些状态颜色的混合，按各状态所占时间加权：一半运行、一半等待 GIL，就是介于两者之间、任何单一状态都没有的颜色。放大（按 + 或滚动滚轮）直到颜色分开，或悬停查看。</translation>
    </message>
    <message>
        <source>Phase marks</source>
        <translation>阶段标记</translation>
    </message>
    <message>
        <source>A dashed vertical line with a label at the top marks where a step of the scenario&apos;s program began (gil: one worker, then threads, then processes). Zoomed in past a mark, the current step&apos;s label stays at the left edge (◂). In presentation mode, → and ← zoom to each step.</source>
        <translation>顶端带标签的竖直虚线标出场景程序中某一步开始的位置（gil：先单个线程，再多个线程，再多个进程）。放大到越过某个标记后，当前这一步的标签停留在左边缘（◂）。在演示模式下，→ 和 ← 会缩放到每一步。</translation>
    </message>
    <message>
        <source>Measured or inferred states</source>
        <translation>测量的状态与推断的状态</translation>
    </message>
    <message>
        <source>When the legend says the states are measured, time on a CPU and time waiting for a core come from the kernel (/proc schedstat), read every 3 ms by the session that watches the run (the kernel says how long each thread ran in those 3 ms, not when, so inside them the threads of a process are drawn taking their turns one after the other; zoomed in closer, the shared-variable trace&apos;s times are each access&apos;s own); waiting for the GIL is inferred from them: off the CPU with no blocking call recorded while another thread of its process wanted to run. Blocking calls (a lock, a queue, join, sleep, I/O) are labelled by gilscope&apos;s probes around those calls. Where schedstat is missing (not Linux), every state is the probe&apos;s label: what the thread recorded it was about to do, not a measurement. Hover a legend colour for how that state was obtained.</source>
        <translation>图例注明状态是测量得到的时，在 CPU 上的时间和等待 CPU 核心的时间来自内核（/proc schedstat），由监视这次运行的会话每 3 毫秒读取一次（内核只告诉这 3 毫秒里每个线程运行了多久，不告诉是什么时候，所以在这 3 毫秒之内，同一进程的线程画成一个接一个轮流运行；放大到更细时，共享变量轨迹上的时间是每次访问自己的时间）；等待 GIL 是由此推断的：线程不在 CPU 上、没有记录到阻塞调用，而同一进程的另一个线程想要运行。阻塞调用（锁、队列、join、sleep、I/O）由 gilscope 包在这些调用外面的探针标记。没有 schedstat 的地方（非 Linux），每个状态都是探针的标签：线程记录的它将要做的事，而不是测量结果。悬停在图例的颜色上可查看该状态是怎样得到的。</translation>
    </message>
    <message>
        <source>CPU load</source>
        <translation>CPU 负载</translation>
    </message>
    <message>
        <source>One line per core, 0 to 100 %, sampled about ten times a second. With the GIL, several CPU-bound threads add up to about one busy core; processes can fill several.</source>
        <translation>每个核心一条曲线，0 到 100 %，大约每秒采样十次。有 GIL 时，几个 CPU 密集的线程加起来大约只占满一个核心；多个进程可以占满多个核心。</translation>
    </message>
    <message>
        <source>Shared variable</source>
        <translation>共享变量</translation>
    </message>
    <message>
        <source>Every read (○) and write (■) of the shared variable on its thread&apos;s row, and the value over time. A lost update (red ■) is a write computed from a stale read: a bracket links it back to that read, and an orange × marks the write it overwrote.</source>
        <translation>共享变量的每次读（○）和写（■）画在所属线程的那一行，另有变量值随时间的变化。丢失的更新（红色 ■）是根据过时的读取算出的写入：一个括线把它连回那次读取，橙色 × 标出被它覆盖的那次写入。</translation>
    </message>
    <message>
        <source>Queue depth and pool tasks</source>
        <translation>队列深度与进程池任务</translation>
    </message>
    <message>
        <source>How many items wait in each queue over time; and each pool task as a bar on the worker that ran it, from its start to its end.</source>
        <translation>每个队列中等待的数据项数随时间的变化；以及每个进程池任务，画成执行它的工作进程上从开始到结束的一根横条。</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>The headline and the figures under it come from this run&apos;s measurements only; the lesson explains why. Nothing in them is assumed or fixed in advance.</source>
        <translation>标题和下面的数据只来自这次运行的测量；讲解说明原因。其中没有任何假设的或预先定好的内容。</translation>
    </message>
    <message>
        <source>half of each in one pixel: a mix, no state&apos;s colour</source>
        <translation>一个像素内各占一半：混合色，不是任何状态的颜色</translation>
    </message>
    <message>
        <source>gilscope help: keys, and how to read the views</source>
        <translation>gilscope 帮助：按键，以及如何阅读各个视图</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Keys work anywhere in the window unless a row says where. 中文 / English: Ctrl+L.</source>
        <translation>除非某一行注明了位置，按键在窗口的任何地方都有效。中文 / English：Ctrl+L。</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>How to read the views</source>
        <translation>如何阅读各个视图</translation>
    </message>
    <message>
        <source>New here? F1 lists every key and how to read each view; F9 is presentation mode for a projector.</source>
        <translation>第一次使用？F1 列出所有按键以及如何阅读各个视图；F9 是适合投影仪的演示模式。</translation>
    </message>
    <message>
        <source>Help (F1)</source>
        <translation>帮助（F1）</translation>
    </message>
    <message>
        <source>Got it</source>
        <translation>知道了</translation>
    </message>
    <message>
        <source>Help</source>
        <translation>帮助</translation>
    </message>
    <message>
        <source>Every key, and how to read each view (F1)</source>
        <translation>所有按键，以及如何阅读各个视图（F1）</translation>
    </message>
</context>
<context>
    <name>InterpreterPicker</name>
    <message>
        <source>{0} — this gilscope</source>
        <translation>{0} — gilscope 自身使用的 Python</translation>
    </message>
    <message>
        <source>{0} — bundled with gilscope</source>
        <translation>{0} — gilscope 自带的 Python</translation>
    </message>
    <message>
        <source>Other Python…</source>
        <translation>其他 Python…</translation>
    </message>
    <message>
        <source>The interpreter that runs the scenario (GIL or free-threaded)</source>
        <translation>运行场景的解释器（有 GIL 或自由线程版）</translation>
    </message>
    <message>
        <source>Looking for other Pythons…</source>
        <translation>正在查找其他 Python…</translation>
    </message>
    <message>
        <source>Choose a Python interpreter</source>
        <translation>选择一个 Python 解释器</translation>
    </message>
</context>
<context>
    <name>LessonPanel</name>
    <message>
        <source>Lesson</source>
        <translation>讲解</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>源代码</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>发生了什么</translation>
    </message>
    <message>
        <source>Press Run (F5) to see what happens.</source>
        <translation>按“运行”（F5）看看会发生什么。</translation>
    </message>
    <message>
        <source>Running… the verdict comes when the run ends.</source>
        <translation>运行中…… 运行结束后给出结论。</translation>
    </message>
    <message>
        <source>The run failed before anything could be measured.</source>
        <translation>运行失败，尚未测得任何数据。</translation>
    </message>
    <message>
        <source>Stopped before the end: no verdict for a partial run.</source>
        <translation>运行被提前停止：不完整的运行不给出结论。</translation>
    </message>
    <message>
        <source>Stopped early — measured so far: </source>
        <translation>提前停止 — 目前测得：</translation>
    </message>
    <message>
        <source>Failed — measured so far: </source>
        <translation>失败 — 目前测得：</translation>
    </message>
    <message>
        <source>Measured with {0}</source>
        <translation>测量所用解释器：{0}</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>… {0} more lines</source>
        <translation>…… 还有 {0} 行</translation>
    </message>
</context>
<context>
    <name>LockWaits</name>
    <message>
        <source>waits for lock {0}, held by {1}</source>
        <translation>等待锁 {0}，它被 {1} 持有</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>gilscope — see Python threads, processes and the GIL</source>
        <translation>gilscope — 直观看清 Python 的线程、进程与 GIL</translation>
    </message>
    <message>
        <source>▶ Run</source>
        <translation>▶ 运行</translation>
    </message>
    <message>
        <source>Run the scenario (F5)</source>
        <translation>运行这个场景（F5）</translation>
    </message>
    <message>
        <source>■ Stop</source>
        <translation>■ 停止</translation>
    </message>
    <message>
        <source>Stop the run and every process it started (Esc)</source>
        <translation>停止运行及其启动的所有进程（Esc）</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Full screen (F11)</source>
        <translation>全屏（F11）</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Dark palette (Ctrl+D)</source>
        <translation>深色配色（Ctrl+D）</translation>
    </message>
    <message>
        <source>A+</source>
        <translation>A+</translation>
    </message>
    <message>
        <source>Bigger text (Ctrl++)</source>
        <translation>放大文字（Ctrl++）</translation>
    </message>
    <message>
        <source>A−</source>
        <translation>A−</translation>
    </message>
    <message>
        <source>Smaller text (Ctrl+-)</source>
        <translation>缩小文字（Ctrl+-）</translation>
    </message>
    <message>
        <source>Window and scenario texts in Simplified Chinese (Ctrl+L)</source>
        <translation>界面与场景文字使用简体中文（Ctrl+L）</translation>
    </message>
    <message>
        <source>Be the scheduler</source>
        <translation>当调度者</translation>
    </message>
    <message>
        <source>Run race or deadlock one step at a time: you choose which thread goes next (F6)</source>
        <translation>逐步运行 race 或 deadlock：由你选择下一步由哪个线程执行（F6）</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Choose a scenario by its place in the list</source>
        <translation>按列表中的位置选择场景</translation>
    </message>
    <message>
        <source>Python:</source>
        <translation>Python：</translation>
    </message>
    <message>
        <source>Follow live</source>
        <translation>跟随最新</translation>
    </message>
    <message>
        <source>Keep the newest part of the timeline in view while it runs</source>
        <translation>运行时让时间线始终显示最新的部分</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Loading plots…</source>
        <translation>正在加载图表…</translation>
    </message>
    <message>
        <source>Compare…</source>
        <translation>比较…</translation>
    </message>
    <message>
        <source>Run this scenario on several Pythons or settings, side by side (Ctrl+K)</source>
        <translation>在多个 Python 或多种设置下运行这个场景，并排比较（Ctrl+K）</translation>
    </message>
</context>
<context>
    <name>OpenRecording</name>
    <message>
        <source>Stop the run before opening a saved one.</source>
        <translation>请先停止当前运行，再打开保存的运行。</translation>
    </message>
    <message>
        <source>This is a run of the scenario file {0}: open that file first (File ▸ Open a scenario file…), then the run.</source>
        <translation>这是场景文件 {0} 的一次运行：请先打开该文件（文件 ▸ 打开场景文件…），再打开这次运行。</translation>
    </message>
    <message>
        <source>Cannot open the saved run: {0}</source>
        <translation>无法打开保存的运行：{0}</translation>
    </message>
    <message>
        <source>Open a saved run</source>
        <translation>打开保存的运行</translation>
    </message>
    <message>
        <source>gilscope recordings (*.gilscope);;All files (*)</source>
        <translation>gilscope 运行记录 (*.gilscope);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>OpenScenario</name>
    <message>
        <source>Stop the run before opening a scenario file.</source>
        <translation>请先停止当前运行，再打开场景文件。</translation>
    </message>
    <message>
        <source>A scenario file is Python source ending in .py: {0}</source>
        <translation>场景文件应是以 .py 结尾的 Python 源文件：{0}</translation>
    </message>
    <message>
        <source>Cannot use the scenario file: {0}</source>
        <translation>无法使用该场景文件：{0}</translation>
    </message>
    <message>
        <source>Open a scenario file</source>
        <translation>打开场景文件</translation>
    </message>
    <message>
        <source>Python scenario files (*.py)</source>
        <translation>Python 场景文件 (*.py)</translation>
    </message>
</context>
<context>
    <name>ParamForm</name>
    <message>
        <source>Reset to defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message>
        <source>{0}: {1} is more than the most allowed, {2}; set to {2}.</source>
        <translation>{0}：{1} 超过了允许的最大值 {2}，已改为 {2}。</translation>
    </message>
    <message>
        <source>{0}: {1} is less than the least allowed, {2}; set to {2}.</source>
        <translation>{0}：{1} 小于允许的最小值 {2}，已改为 {2}。</translation>
    </message>
</context>
<context>
    <name>PlotsArea</name>
    <message>
        <source>Shared variable</source>
        <translation>共享变量</translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation>队列深度</translation>
    </message>
    <message>
        <source>Pool tasks</source>
        <translation>进程池任务</translation>
    </message>
</context>
<context>
    <name>Presentation</name>
    <message>
        <source>Present</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>Presentation mode: large verdict, tall lanes, arrow keys step through the phases (F9 in and out)</source>
        <translation>演示模式：大字结论、更高的泳道，方向键逐个浏览各阶段（F9 进入和退出）</translation>
    </message>
    <message>
        <source>Next phase</source>
        <translation>下一阶段</translation>
    </message>
    <message>
        <source>Presentation mode: zoom to the next phase of the run</source>
        <translation>演示模式：缩放到这次运行的下一阶段</translation>
    </message>
    <message>
        <source>Previous phase</source>
        <translation>上一阶段</translation>
    </message>
    <message>
        <source>Presentation mode: zoom to the previous phase of the run</source>
        <translation>演示模式：缩放到这次运行的上一阶段</translation>
    </message>
    <message>
        <source>Whole run</source>
        <translation>整个运行</translation>
    </message>
    <message>
        <source>Presentation mode: show the whole run</source>
        <translation>演示模式：显示整个运行</translation>
    </message>
    <message>
        <source>Scenario&apos;s view</source>
        <translation>场景视图</translation>
    </message>
    <message>
        <source>Presentation mode: show or hide the scenario&apos;s own view (shared variable, queue depth, pool tasks) under the lanes</source>
        <translation>演示模式：在泳道下方显示或隐藏场景自己的视图（共享变量、队列深度、进程池任务）</translation>
    </message>
    <message>
        <source>← → phases, Home whole run, F9 leaves</source>
        <translation>← → 切换阶段，Home 整个运行，F9 退出</translation>
    </message>
    <message>
        <source>F9 leaves</source>
        <translation>F9 退出</translation>
    </message>
    <message>
        <source>V: {0}</source>
        <translation>V：{0}</translation>
    </message>
    <message>
        <source>The whole run</source>
        <translation>整个运行</translation>
    </message>
    <message>
        <source>The whole run: one phase</source>
        <translation>整个运行：一个阶段</translation>
    </message>
    <message>
        <source>The whole run: {0} phases</source>
        <translation>整个运行：{0} 个阶段</translation>
    </message>
    <message>
        <source>Phase {0} of {1}: {2}</source>
        <translation>第 {0} 阶段，共 {1} 个：{2}</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <source>{0} queues</source>
        <translation>{0} 个队列</translation>
    </message>
    <message>
        <source>Depth of {0}: items waiting after every put and get ({1} puts, {2} gets)</source>
        <translation>{0} 的深度：每次 put 和 get 之后等待中的数据项数（put {1} 次，get {2} 次）</translation>
    </message>
    <message>
        <source>items in queue</source>
        <translation>队列中的数据项</translation>
    </message>
</context>
<context>
    <name>RunControl</name>
    <message>
        <source>Choose a scenario first.</source>
        <translation>请先选择一个场景。</translation>
    </message>
    <message>
        <source>stdout/stderr</source>
        <translation>stdout/stderr</translation>
    </message>
    <message>
        <source>The run failed: {0}</source>
        <translation>运行失败：{0}</translation>
    </message>
    <message>
        <source>Recorded in this run: {0}</source>
        <translation>本次运行记录到：{0}</translation>
    </message>
    <message>
        <source>process {0} had not ended when it was joined</source>
        <translation>进程 {0} 在 join 时还没有结束</translation>
    </message>
    <message>
        <source>process {0} was killed by signal {1}</source>
        <translation>进程 {0} 被信号 {1} 杀死</translation>
    </message>
    <message>
        <source>process {0} exited with code {1}</source>
        <translation>进程 {0} 以退出码 {1} 结束</translation>
    </message>
    <message>
        <source>{0:,} events</source>
        <translation>{0:,} 个事件</translation>
    </message>
    <message>
        <source>, {0:,} dropped</source>
        <translation>，丢弃 {0:,} 个</translation>
    </message>
    <message>
        <source>Computing the verdict from {0}…</source>
        <translation>正在根据 {0} 计算结论…</translation>
    </message>
    <message>
        <source>Ready: press F5 to run “{0}”</source>
        <translation>就绪：按 F5 运行“{0}”</translation>
    </message>
    <message>
        <source>Running on {0} — {1} (Esc stops)</source>
        <translation>正在 {0} 上运行 — {1}（Esc 停止）</translation>
    </message>
    <message>
        <source>Finished in {0:.2f} s — {1}</source>
        <translation>用时 {0:.2f} 秒完成 — {1}</translation>
    </message>
    <message>
        <source>Stopped — the stop took {0:.2f} s — {1}</source>
        <translation>已停止 — 停止用了 {0:.2f} 秒 — {1}</translation>
    </message>
    <message>
        <source>Failed — {0}</source>
        <translation>失败 — {0}</translation>
    </message>
</context>
<context>
    <name>RunRow</name>
    <message>
        <source>Pinned</source>
        <translation>已固定</translation>
    </message>
    <message>
        <source>Pin this run</source>
        <translation>固定这次运行</translation>
    </message>
    <message>
        <source>Keep this run on screen for the next comparison</source>
        <translation>把这次运行留在屏幕上，用于下一次比较</translation>
    </message>
    <message>
        <source>Value of the shared variable</source>
        <translation>共享变量的值</translation>
    </message>
    <message>
        <source>Cores busy (all programs)</source>
        <translation>忙碌的核数（所有程序）</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>not run</source>
        <translation>未运行</translation>
    </message>
</context>
<context>
    <name>ScenarioPicker</name>
    <message>
        <source>Not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source>Your scenario files</source>
        <translation>你的场景文件</translation>
    </message>
</context>
<context>
    <name>SchedulerPanel</name>
    <message>
        <source>You are the scheduler: each thread waits at every read and write of the shared variable and every lock step. Choose which thread takes the next step (keys 1–9).</source>
        <translation>你就是调度者：每个线程在每次读写共享变量、每次请求或释放锁之前都会停下等待。请选择下一步由哪个线程执行（按键 1–9）。</translation>
    </message>
    <message>
        <source>Run freely until the next lost update</source>
        <translation>自由运行，直到下一次丢失更新</translation>
    </message>
    <message>
        <source>Run freely until a deadlock</source>
        <translation>自由运行，直到发生死锁</translation>
    </message>
    <message>
        <source>Run to the end</source>
        <translation>一直运行到结束</translation>
    </message>
    <message>
        <source>THREAD{0}: next step ({0})</source>
        <translation>THREAD{0}：执行下一步（{0}）</translation>
    </message>
    <message>
        <source>Steps taken: {0}</source>
        <translation>已执行步数：{0}</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>running, or blocked outside a step (a lock held by another thread)</source>
        <translation>正在运行，或在步骤之外被阻塞（锁被另一个线程持有）</translation>
    </message>
    <message>
        <source>the run has ended</source>
        <translation>运行已结束</translation>
    </message>
    <message>
        <source>about to read the shared variable</source>
        <translation>即将读取共享变量</translation>
    </message>
    <message>
        <source>about to write the shared variable</source>
        <translation>即将写入共享变量</translation>
    </message>
    <message>
        <source>about to ask for a lock</source>
        <translation>即将请求一把锁</translation>
    </message>
    <message>
        <source>about to release a lock</source>
        <translation>即将释放一把锁</translation>
    </message>
    <message>
        <source>line {0}: {1} — {2}</source>
        <translation>第 {0} 行：{1} —— {2}</translation>
    </message>
    <message>
        <source>bytecode on Python {0} (the window&apos;s)</source>
        <translation>Python {0}（窗口所用版本）的字节码</translation>
    </message>
</context>
<context>
    <name>Scrubber</name>
    <message>
        <source>{0} read {1} = {2}</source>
        <translation>{0} 读到 {1} = {2}</translation>
    </message>
    <message>
        <source>{0} wrote {1} = {2}</source>
        <translation>{0} 写入 {1} = {2}</translation>
    </message>
    <message>
        <source>{0} asked for lock {1}</source>
        <translation>{0} 请求锁 {1}</translation>
    </message>
    <message>
        <source>{0} took lock {1}</source>
        <translation>{0} 拿到锁 {1}</translation>
    </message>
    <message>
        <source>{0} released lock {1}</source>
        <translation>{0} 释放锁 {1}</translation>
    </message>
    <message>
        <source>{0} put an item on {1} ({2} waiting)</source>
        <translation>{0} 向 {1} 放入一项（队列中有 {2} 项）</translation>
    </message>
    <message>
        <source>{0} took an item from {1} ({2} waiting)</source>
        <translation>{0} 从 {1} 取出一项（队列中有 {2} 项）</translation>
    </message>
    <message>
        <source>{0} is now {1}</source>
        <translation>{0} 现在{1}</translation>
    </message>
    <message>
        <source>Replay this interleaving</source>
        <translation>重放这次的交错顺序</translation>
    </message>
    <message>
        <source>Run again, forcing every thread through its steps in this run&apos;s order</source>
        <translation>再运行一次，强制每个线程按这次运行的顺序执行各步</translation>
    </message>
    <message>
        <source>Previous step (,  — Shift: ten)</source>
        <translation>上一步（, 键；按住 Shift 一次十步）</translation>
    </message>
    <message>
        <source>Next step (.  — Shift: ten)</source>
        <translation>下一步（. 键；按住 Shift 一次十步）</translation>
    </message>
    <message>
        <source>{0} steps: ▶ or the . key steps through the run</source>
        <translation>共 {0} 步：▶ 或 . 键逐步查看这次运行</translation>
    </message>
    <message>
        <source>Step {0} of {1} · {2:.6f} s · {3}</source>
        <translation>第 {0} / {1} 步 · {2:.6f} 秒 · {3}</translation>
    </message>
</context>
<context>
    <name>SessionAdapter</name>
    <message>
        <source>Scenario {0} could not be loaded: {1}</source>
        <translation>无法加载场景 {0}：{1}</translation>
    </message>
    <message>
        <source>The run ended but its events could not be analysed: {0}</source>
        <translation>运行已结束，但无法分析它的事件：{0}</translation>
    </message>
    <message>
        <source>The run failed.</source>
        <translation>运行失败。</translation>
    </message>
</context>
<context>
    <name>TaskGantt</name>
    <message>
        <source>Pool tasks on their worker processes ({0} done): each bar is one call, labelled with its argument</source>
        <translation>进程池任务及其所在的工作进程（完成 {0} 个）：每个条块是一次调用，标注了它的参数</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>waiting for the GIL</source>
        <translation>等待 GIL</translation>
    </message>
    <message>
        <source>blocked on a lock</source>
        <translation>阻塞在锁上</translation>
    </message>
    <message>
        <source>waiting on a queue</source>
        <translation>在队列上等待</translation>
    </message>
    <message>
        <source>waiting in join()</source>
        <translation>在 join() 中等待</translation>
    </message>
    <message>
        <source>waiting for I/O or a subprocess</source>
        <translation>等待 I/O 或子进程</translation>
    </message>
    <message>
        <source>sleeping</source>
        <translation>休眠</translation>
    </message>
    <message>
        <source>idle (alive, nothing recorded)</source>
        <translation>空闲（存活，没有记录）</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>runnable, pre-empted by the OS</source>
        <translation>可运行，被操作系统抢占</translation>
    </message>
    <message>
        <source>held at a step by the scheduler</source>
        <translation>被调度者停在某一步</translation>
    </message>
    <message>
        <source>pre-empted while holding the GIL</source>
        <translation>持有 GIL 时被操作系统抢占</translation>
    </message>
    <message>
        <source>On a CPU: the kernel&apos;s count of this thread&apos;s CPU time (/proc schedstat), read every 3 ms. The kernel says how long each thread ran in those 3 ms, not when: inside them the threads of a process are drawn taking their turns one after the other.</source>
        <translation>在 CPU 上运行：来自内核对该线程 CPU 时间的计数（/proc schedstat），每 3 毫秒读取一次。内核只告诉这 3 毫秒里每个线程运行了多久，不告诉是什么时候：在这 3 毫秒之内，同一进程的线程画成一个接一个轮流运行。</translation>
    </message>
    <message>
        <source>Off the CPU with no blocking call recorded, while another thread of its process wanted to run: waiting for the GIL (schedstat, and no probe label).</source>
        <translation>不在 CPU 上、没有记录到阻塞调用，而同一进程的另一个线程想要运行：在等待 GIL（schedstat，且没有探针标记）。</translation>
    </message>
    <message>
        <source>Off the CPU inside a lock&apos;s acquire(), recorded by the lock.</source>
        <translation>不在 CPU 上，处于锁的 acquire() 中，由锁记录。</translation>
    </message>
    <message>
        <source>Off the CPU inside a queue&apos;s put() or get(), recorded by the queue.</source>
        <translation>不在 CPU 上，处于队列的 put() 或 get() 中，由队列记录。</translation>
    </message>
    <message>
        <source>Off the CPU inside join(), recorded by the join.</source>
        <translation>不在 CPU 上，处于 join() 中，由 join 记录。</translation>
    </message>
    <message>
        <source>Off the CPU waiting for I/O or a subprocess, recorded by the scenario.</source>
        <translation>不在 CPU 上，等待 I/O 或子进程，由场景记录。</translation>
    </message>
    <message>
        <source>Off the CPU inside sleep(), recorded by the sleep.</source>
        <translation>不在 CPU 上，处于 sleep() 中，由 sleep 记录。</translation>
    </message>
    <message>
        <source>Off the CPU, nothing recorded to explain it, and no other thread of its process wanting the GIL; or a process that records nothing.</source>
        <translation>不在 CPU 上，没有记录能解释原因，且同一进程中没有其他线程想要 GIL；或者是一个不做记录的进程。</translation>
    </message>
    <message>
        <source>The thread has ended: its exit was recorded, or its kernel counters vanished with no exit (killed, e.g. by Stop).</source>
        <translation>线程已结束：记录到了它的退出，或者它的内核计数器在没有退出记录的情况下消失了（被终止，例如按了停止）。</translation>
    </message>
    <message>
        <source>Runnable, waiting on the kernel&apos;s run queue for a core (/proc schedstat).</source>
        <translation>可运行，在内核的运行队列中等待 CPU 核（/proc schedstat）。</translation>
    </message>
    <message>
        <source>Held at a step by the scheduler (you, a schedule or a replay), recorded by the gate.</source>
        <translation>被调度器停在某一步（你、一个调度序列或一次重放），由闸门记录。</translation>
    </message>
    <message>
        <source>Runnable on the kernel&apos;s run queue while the other threads of its process wanted to run and none of them did: it held the GIL while the OS ran something else (schedstat).</source>
        <translation>在内核运行队列中可运行，而同一进程的其他线程想运行却都没有运行：它持有 GIL，操作系统却在运行别的程序（schedstat）。</translation>
    </message>
    <message>
        <source>GIL wait</source>
        <translation>等 GIL</translation>
    </message>
    <message>
        <source>lock</source>
        <translation>等锁</translation>
    </message>
    <message>
        <source>queue</source>
        <translation>等队列</translation>
    </message>
    <message>
        <source>join()</source>
        <translation>join()</translation>
    </message>
    <message>
        <source>I/O</source>
        <translation>I/O</translation>
    </message>
    <message>
        <source>sleep</source>
        <translation>休眠</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>OS pre-empted</source>
        <translation>被 OS 抢占</translation>
    </message>
    <message>
        <source>held</source>
        <translation>被停住</translation>
    </message>
    <message>
        <source>pre-empted, GIL held</source>
        <translation>持 GIL 被抢占</translation>
    </message>
    <message>
        <source>unknown state</source>
        <translation>未知状态</translation>
    </message>
    <message>
        <source>Recorded by the thread itself (its probes); this run&apos;s threads were not measured from /proc schedstat.</source>
        <translation>由线程自己记录（探针）；本次运行的线程没有通过 /proc schedstat 测量。</translation>
    </message>
    <message>
        <source>time since Run</source>
        <translation>自点击运行起的时间</translation>
    </message>
    <message>
        <source>⤢ Whole run</source>
        <translation>⤢ 整个运行</translation>
    </message>
    <message>
        <source>Show the whole run (Home)</source>
        <translation>显示整个运行（Home）</translation>
    </message>
    <message>
        <source>Keys: ← → move, + − zoom, Home whole run, F follow live</source>
        <translation>按键：← → 移动，+ − 缩放，Home 整个运行，F 跟随实时</translation>
    </message>
    <message>
        <source>Mouse: drag to move, wheel to zoom</source>
        <translation>鼠标：拖动移动，滚轮缩放</translation>
    </message>
    <message>
        <source>A mixed colour is several states within one pixel: hover, or zoom in.</source>
        <translation>混合的颜色表示一个像素内有多种状态：悬停查看，或放大。</translation>
    </message>
    <message>
        <source>States are measured: time on a CPU and on the run queue from the kernel (/proc schedstat), blocking calls from gilscope&apos;s probes; hover a colour for how.</source>
        <translation>状态是测量得到的：CPU 上的时间和运行队列中的时间来自内核（/proc schedstat），阻塞调用来自 gilscope 的探针；把鼠标悬停在颜色上可查看测量方式。</translation>
    </message>
    <message>
        <source>Free-threaded build: there is no GIL, so no thread waits for one.</source>
        <translation>自由线程版本：没有 GIL，因此没有线程等待 GIL。</translation>
    </message>
    <message>
        <source>from {0} for {1}</source>
        <translation>从 {0} 起，持续 {1}</translation>
    </message>
    <message>
        <source>nothing recorded here</source>
        <translation>这里没有记录</translation>
    </message>
    <message>
        <source>this pixel: {0}</source>
        <translation>这个像素：{0}</translation>
    </message>
    <message>
        <source>recording cost this thread {0} of its time</source>
        <translation>记录占用了该线程 {0} 的时间</translation>
    </message>
</context>
<context>
    <name>TraceView</name>
    <message>
        <source>Reads ○ and writes ■ of {0} by thread: {1} lost updates</source>
        <translation>各线程对 {0} 的读 ○ 与写 ■：丢失 {1} 次更新</translation>
    </message>
    <message>
        <source>Reads ○ and writes ■ by thread: no run yet</source>
        <translation>各线程的读 ○ 与写 ■：尚未运行</translation>
    </message>
    <message>
        <source>Nothing recorded yet. Press Run: every read and write of the shared variable appears here, on its thread&apos;s row, with each lost update linked to its stale read.</source>
        <translation>尚无记录。按“运行”后，共享变量的每一次读和写都会显示在这里，画在各自线程的行上，每个丢失的更新都连回它所依据的过期读取。</translation>
    </message>
    <message>
        <source>{0} lost update, bracketed back to its stale read {1}; {2} the write it overwrote</source>
        <translation>{0} 丢失的更新，括线连回它读到的过期值 {1}；{2} 被它覆盖的那次写</translation>
    </message>
    <message>
        <source>Next lost update ▶</source>
        <translation>下一次丢失的更新 ▶</translation>
    </message>
    <message>
        <source>Zoom in on the next lost update and the stale read it came from</source>
        <translation>放大到下一次丢失的更新及其来源的过期读</translation>
    </message>
    <message>
        <source>◀ Previous</source>
        <translation>◀ 上一个</translation>
    </message>
    <message>
        <source>Zoom in on the previous lost update</source>
        <translation>放大显示上一次丢失的更新</translation>
    </message>
    <message>
        <source>{0} of {1}</source>
        <translation>第 {0} 个，共 {1} 个</translation>
    </message>
    <message>
        <source>value of {0}</source>
        <translation>{0} 的值</translation>
    </message>
    <message>
        <source>seconds since Run</source>
        <translation>自点击运行起的秒数</translation>
    </message>
    <message>
        <source>wrote</source>
        <translation>写入</translation>
    </message>
    <message>
        <source>read</source>
        <translation>读取</translation>
    </message>
    <message>
        <source>{0} {1} {2} = {3} at {4:.6f} s</source>
        <translation>{0} {1} {2} = {3}，于 {4:.6f} 秒</translation>
    </message>
    <message>
        <source>lost update: computed from a stale read</source>
        <translation>丢失的更新：由过期的读取值算出</translation>
    </message>
</context>
<context>
    <name>_PlotPanel</name>
    <message>
        <source>seconds since Run</source>
        <translation>自点击运行起的秒数</translation>
    </message>
</context>
</TS>
