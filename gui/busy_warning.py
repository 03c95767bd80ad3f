"""The warning above the plots, before Run, when other programs hold the cores.

With other programs on the cores a run's timings and speedups come out lower (round 1
showed "processes 0.37x" on a busy machine), so the window says so before the user
presses Run, not in a note after.  While no run goes, engine.cpu_split.IdleLoad samples
the machine every SAMPLE_MS (psutil: busy cores less gilscope's own CPU time) and the
warning shows when other programs kept at least BUSY_CORES_MIN cores, and at least
BUSY_SHARE_MIN of them, busy over the last WINDOW_S.  psutil is imported at the first
sample (after the window's first paint).
"""
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel

SAMPLE_MS = 500
WINDOW_S = 2.0
BUSY_CORES_MIN = 0.5
BUSY_SHARE_MIN = 0.25


def is_busy(other_cores, n_cores: int) -> bool:
    """Other programs hold enough of the cores to distort a run's timings."""
    return (other_cores is not None and other_cores >= BUSY_CORES_MIN
            and other_cores >= BUSY_SHARE_MIN * n_cores)


class BusyWarning(QLabel):
    """A visible, non-modal warning; hidden while a run goes and on a quiet machine."""

    def __init__(self, theme, parent=None) -> None:
        super().__init__(parent)
        self._theme = theme
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setObjectName("busyWarning")
        self._load = None
        self.other_cores = None
        self.n_cores = 1
        self.enabled = True  # False: never samples (widget tests, whose layouts it would move)
        self._timer = QTimer(self)
        self._timer.setInterval(SAMPLE_MS)
        self._timer.timeout.connect(self.sample)
        self.apply_theme(theme)
        self.hide()

    def watch(self) -> None:
        """No run goes: sample the machine from now (a fresh baseline: a run just ended
        must not count as other programs)."""
        if not self.enabled:
            return
        self._load = None
        self.other_cores = None
        self._timer.start()

    def pause(self) -> None:
        """A run goes: its own CPU view shows who holds the cores."""
        self._timer.stop()
        self.hide()

    def sample(self) -> None:
        if self._load is None:
            import psutil
            from engine.cpu_split import IdleLoad
            self._load = IdleLoad(psutil, WINDOW_S)
            self.n_cores = self._load.n_cores
            return
        self._load.sample()
        self.show_load(self._load.other_cores(), self.n_cores)

    def show_load(self, other_cores, n_cores: int) -> None:
        """Show or hide the warning for a measured load (tests call it directly)."""
        self.other_cores, self.n_cores = other_cores, n_cores
        if not is_busy(other_cores, n_cores):
            self.hide()
            return
        self.setText("⚠ " + self.tr(
            "Other programs are keeping {0:.1f} of {1} cores busy (last {2:g} s). A run now gets "
            "less of the cores: its timings and speedups will be lower than on a quiet machine, "
            "and its verdict will say it was distorted. Close them for a fair run.").format(
                other_cores, n_cores, WINDOW_S))
        self.show()

    def retranslate(self) -> None:
        if self.isVisible() or self.other_cores is not None:
            self.show_load(self.other_cores, self.n_cores)

    def apply_theme(self, theme) -> None:
        self._theme = theme
        self.setStyleSheet("QLabel#busyWarning { background: %s; color: white; padding: 6px; "
                           "border-radius: 4px; font-weight: bold; }" % theme.warn)
