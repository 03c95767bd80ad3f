"""What every verdict's headline says about how far its figures hold.  [numpy]

Two things a scenario's own verdict cannot see, applied to every scenario alike:
  - a run stopped by hand (Session.stop): its headline starts "Stopped — measured so
    far", and its figures cover what ran until then;
  - a run other programs shared the cores with: from this run's own CPU samples (the
    Session's sampler splits each core's load into this run's and the rest,
    engine/cpu_split.py), the share of the machine's CPU other programs took; over
    DISTORTED_SHARE the headline says so before its figures.
"""
import numpy as np

from .scenarios.base import text

STOPPED_PREFIX = text("Stopped — measured so far: ", "已停止——目前测得：")
# Other programs holding a fifth of the machine already cut a 2-process speedup by about
# that much (1.6x for 2x): a headline built on timings no longer says what the code does.
DISTORTED_SHARE = 0.2


def other_programs_share(view):
    """Share of the machine's CPU (cores x run time) other programs took during the run,
    from this run's CPU samples; None when the run has none that measured the split."""
    _, _, busy, mine = view.cpu_split()
    known = ~np.isnan(mine)
    if not np.any(known):
        return None
    other = np.clip(busy[known] - mine[known], 0.0, 100.0)
    return round(float(other.sum()) / (100.0 * int(np.count_nonzero(known))), 3)


def label_verdict(verdict, view) -> None:
    """Prefix the headline (both languages) and add the figures and notes that say it."""
    share = other_programs_share(view)
    if share is not None:
        verdict.figures["other_programs_share"] = share
    prefix_en, prefix_zh = "", ""
    notes = []
    if view.stopped:
        verdict.figures["stopped_after_s"] = round(view.wall_s, 3)
        prefix_en, prefix_zh = STOPPED_PREFIX["en"], STOPPED_PREFIX["zh_CN"]
        notes.append(text(
            "This run was stopped after %.2f s, before its end: every figure here covers what "
            "ran until then, and a step that had not ended has no time of its own."
            % view.wall_s,
            "这次运行在 %.2f 秒时被停止，没有运行完：这里的每个数字都只统计停止之前运行的部分，"
            "尚未结束的步骤没有自己的用时。" % view.wall_s))
    if share is not None and share >= DISTORTED_SHARE:
        pct = int(round(100 * share))
        prefix_en += ("distorted" if prefix_en else "Distorted") + (
            ": other programs took %d%% of the CPU during this run. " % pct)
        prefix_zh += "结果失真：本次运行期间其他程序占用了 %d%% 的 CPU。" % pct
        notes.append(text(
            "Other programs took %d%% of the machine's CPU while this ran (the per-core plot: "
            "each core's load less this run's own, sampled every 0.1 s), so wall-clock times "
            "and speedups here are lower than this code gets on a quiet machine: close the "
            "other programs and run again for the timings." % pct,
            "运行期间其他程序占用了整台机器 %d%% 的 CPU（见每核负载图：每个核的负载减去本次运行自己的部分，"
            "每 0.1 秒采样一次），所以这里的用时和加速比低于这段代码在空闲机器上的结果："
            "关掉其他程序再运行一次才能得到准确的用时。" % pct))
    if prefix_en:
        verdict.headline = {"en": prefix_en + verdict.headline["en"],
                            "zh_CN": prefix_zh + verdict.headline.get("zh_CN", verdict.headline["en"])}
        verdict.notes = notes + list(verdict.notes)
    verdict.partial = bool(view.stopped)

