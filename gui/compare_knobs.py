"""The compare window's choices: which Pythons, which knob varied and its values.  [Qt]

Part of gui.compare_view's CompareView (a mixin: it uses the view's widgets), kept
apart so each module stays about one thing.  Texts are in CompareView's translation
context, as they were when they lived there.
"""
import threading

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QListWidgetItem

translate = QCoreApplication.translate  # lupdate reads translate("CompareView", "...") calls


class Finder(QObject):
    """Finds the interpreters on a thread (probing each starts a Python: seconds)."""
    found = Signal(list)

    def start(self) -> None:
        def work():
            from engine import interpreters
            found = interpreters.find_all()
            try:
                self.found.emit(found)  # queued to the window's thread
            except RuntimeError:
                pass  # the window closed while the search ran: nobody to tell
        threading.Thread(target=work, name="gilscope-compare-find", daemon=True).start()


class KnobsMixin:
    """Interpreters found and ticked; the varied knob and its values."""

    def _add_found(self, infos: list) -> None:
        self._found = infos
        self.pythons.clear()
        for info in infos:
            item = QListWidgetItem("%s — %s" % (info["label"], info["executable"]))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, info["executable"])
            self.pythons.addItem(item)
        self._show_free_note()

    def _show_free_note(self) -> None:
        if not self._found:
            self.free_note.setText(translate("CompareView", "Looking for Pythons…"))
        elif not any(i.get("free_threaded_build") for i in self._found):
            self.free_note.setText(translate(
                "CompareView", "No free-threaded build (3.13t, 3.14t) is installed here: "
                "GIL against no GIL (PYTHON_GIL=0/1) cannot be compared and is skipped."))
        else:
            self.free_note.setText("")

    def checked_pythons(self) -> list:
        return [self.pythons.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.pythons.count())
                if self.pythons.item(i).checkState() == Qt.CheckState.Checked]

    def set_checked(self, versions: list) -> None:
        """Tick, for each of versions ("3.9", ...), the first interpreter of that version."""
        taken = set()  # one interpreter a version: a system 3.11 beside pyenv's is one 3.11
        for i in range(self.pythons.count()):
            item = self.pythons.item(i)
            info = self._found[i]
            version = next((v for v in versions if info["version"].startswith(v + ".")), None)
            on = version is not None and version not in taken
            taken.add(version)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _fill_vary(self) -> None:
        scenario = self.scenario()
        current = self.vary_name.currentData()
        self.vary_name.blockSignals(True)
        self.vary_name.clear()
        self.vary_name.addItem(translate("CompareView", "nothing"), "")
        for p in scenario.params:
            self.vary_name.addItem("%s (%s)" % (p.label.get(self.lang, p.label["en"]), p.name), p.name)
        self.vary_name.addItem(translate("CompareView", "PYTHON_GIL (free-threaded builds)"), "PYTHON_GIL")
        index = max(0, self.vary_name.findData(current))
        self.vary_name.setCurrentIndex(index)
        self.vary_name.blockSignals(False)

    def _vary_chosen(self, _index: int) -> None:
        name = self.vary_name.currentData()
        if not name:
            self.vary_values.clear()
            return
        if name == "PYTHON_GIL":
            self.vary_values.setText("0,1")
            return
        param = self.scenario().param(name)
        if param.kind == "bool":
            self.vary_values.setText("off,on")
        elif param.kind == "choice":
            self.vary_values.setText(",".join(param.choices))
        else:
            self.vary_values.setText(str(param.default))

    def set_vary(self, name: str, values: str) -> None:
        self.vary_name.setCurrentIndex(max(0, self.vary_name.findData(name)))
        self.vary_values.setText(values)
