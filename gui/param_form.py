"""Controls built from a scenario's declared parameters (engine.params.Param).

The widgets enforce the declared bounds (the same declaration the CLI validates
against), so a value the form returns always passes ``Param.validate``.
Values are remembered per scenario while the window is open.
"""
import html
import math

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from .whole_text import text_height

INT_LIMIT = 2 ** 31 - 1  # QSpinBox holds a C int


def _decimals_for(param) -> int:
    """Enough decimals to show the smallest allowed value and the default."""
    smallest = min(abs(v) for v in (param.minimum, param.maximum, param.default) if v) or 1.0
    return max(2, min(8, -math.floor(math.log10(smallest) + 1e-9)))


class _CheckText(QLabel):
    """A check box's text as a word-wrapped label (a QCheckBox never wraps); a click toggles."""

    def __init__(self, box: QCheckBox) -> None:
        super().__init__()
        self._box = box
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._box.isEnabled():
            self._box.toggle()


class _Sized:
    """A spin box as wide as its declared bounds need, whatever wider range it accepts."""

    declared = (0, 0)

    def _narrower_by(self) -> int:
        metrics = QFontMetrics(self.font())
        width = lambda values: max(metrics.horizontalAdvance(self.textFromValue(v)) for v in values)
        return max(0, width((self.minimum(), self.maximum())) - width(self.declared))

    def sizeHint(self):  # Qt override
        hint = super().sizeHint()
        hint.setWidth(hint.width() - self._narrower_by())
        return hint

    def minimumSizeHint(self):  # Qt override
        hint = super().minimumSizeHint()
        hint.setWidth(hint.width() - self._narrower_by())
        return hint


class _IntBox(_Sized, QSpinBox):
    pass


class _FloatBox(_Sized, QDoubleSpinBox):
    pass


class ParamForm(QWidget):
    """One control per parameter; workers first.  ``values()`` gives a dict for Session.start."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.scenario = None
        self.lang = "en"
        self._controls = {}   # name -> widget
        self._labels = {}     # name -> QLabel
        self._remembered = {}  # scenario id -> {name: value}
        self._check_rows = {}
        self._stacked = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._form_host = QWidget()
        self._form = QFormLayout(self._form_host)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)  # _fit_rows wraps
        outer.addWidget(self._form_host)
        # Why a typed value was changed ("999" in Workers became 9): said, never silent.
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setStyleSheet("QLabel { border-left: 4px solid #b35c00; padding-left: 6px; }")
        self.notice.hide()
        outer.addWidget(self.notice)
        self._reset = QPushButton()
        self._reset.clicked.connect(self.reset_defaults)
        outer.addWidget(self._reset)
        outer.addStretch(1)
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self._reset.setText(self.tr("Reset to defaults"))
        if self.scenario is not None:
            for param in self.scenario.params:
                self._label_param(param)

    def set_scenario(self, scenario) -> None:
        """Rebuild the controls for scenario, with the values last used for it."""
        if self.scenario is not None:
            self._remembered[self.scenario.ref] = self.values()
        while self._form.rowCount():
            self._form.takeRow(0)
        for widget in [*self._check_rows.values(), *self._labels.values(), *self._controls.values()]:
            widget.hide()
            widget.deleteLater()
        self._controls.clear()
        self._labels.clear()
        self.notice.hide()
        self._check_rows = {}  # name -> the row widget of a bool (box + wrapping text)
        self._stacked = None   # names whose label sits above its input; None: not laid out
        self.scenario = scenario
        params = sorted(scenario.params, key=lambda p: p.name != "workers")
        remembered = self._remembered.get(scenario.ref, {})
        # changed is for a whole form: not emitted while its controls are made one by one
        # (values() would miss the ones not made yet); once, when all are there.
        blocker = QSignalBlocker(self)
        for param in params:
            control = self._make_control(param)
            if param.kind in ("int", "float"):
                control.valueChanged.connect(lambda value, p=param: self._keep_in_bounds(p, value))
            self._controls[param.name] = control
            self._set_control(param, remembered.get(param.name, param.default))
            if param.kind == "bool":
                label = _CheckText(control)
                row = QWidget(self._form_host)
                line = QHBoxLayout(row)
                line.setContentsMargins(0, 0, 0, 0)
                line.addWidget(control, 0, Qt.AlignmentFlag.AlignTop)
                line.addWidget(label, 1)
                self._check_rows[param.name] = row
            else:
                label = QLabel(self._form_host)
                label.setBuddy(control)
                # Bold by markup, not setFont: a font of its own would not follow A+/A-.
                label.setTextFormat(Qt.TextFormat.RichText if param.name == "workers"
                                    else Qt.TextFormat.PlainText)
            self._labels[param.name] = label
            self._label_param(param)
        self._fit_rows()
        blocker.unblock()
        self.changed.emit()

    def _label_param(self, param) -> None:
        text = param.labelled(self.lang)  # with its unit, in this language's style
        helptext = param.help.get(self.lang, param.help.get("en", ""))
        control = self._controls[param.name]
        label = self._labels[param.name]
        label.setText("<b>%s</b>" % html.escape(text) if param.name == "workers" else text)
        label.setToolTip(helptext)
        control.setToolTip(helptext)
        control.setAccessibleName(text)
        self._fit_rows()

    # -- fitting a narrow panel ------------------------------------------------------
    def _one_line_width(self, name: str) -> int:
        """The label's width on one line, in its own (maybe bold) font."""
        font = self._labels[name].font()
        font.setBold(name == "workers")
        return QFontMetrics(font).horizontalAdvance(self._controls[name].accessibleName()) + 4

    def _fit_rows(self) -> None:
        """A label beside its input where the two fit the panel's width, else above it on its own
        word-wrapped line, the input full width below (QFormLayout's WrapLongRows squeezes inputs
        to their minimum and never wraps a label: both got clipped at 1366x768)."""
        if self.scenario is None or len(self._labels) < len(self.scenario.params):
            return  # still building the rows
        spacing = max(self._form.horizontalSpacing(), 6)
        margins = self._form.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        order = sorted(self.scenario.params, key=lambda p: p.name != "workers")
        beside = {p.name: self._one_line_width(p.name) for p in order if p.kind != "bool"}
        # The label column is as wide as its widest label: move the widest out until all fit.
        while beside and max(beside.values()) + spacing + max(
                self._controls[n].sizeHint().width() for n in beside) > room:
            del beside[max(beside, key=beside.get)]
        stacked = frozenset(p.name for p in order if p.kind != "bool" and p.name not in beside)
        for name in stacked:  # QFormLayout gives a wrapped label one line unless told its height
            self._labels[name].setWordWrap(True)
            self._labels[name].setMinimumHeight(text_height(self._labels[name], room))
        for name, row in self._check_rows.items():
            text_room = room - self._controls[name].sizeHint().width() - max(row.layout().spacing(), 0)
            self._labels[name].setMinimumHeight(text_height(self._labels[name], text_room))
        if stacked == self._stacked:
            return
        self._stacked = stacked
        while self._form.rowCount():
            self._form.takeRow(0)  # keeps the widgets
        for param in order:
            label, control = self._labels[param.name], self._controls[param.name]
            if param.kind == "bool":
                self._form.addRow(self._check_rows[param.name])
            elif param.name in stacked:
                self._form.addRow(label)
                self._form.addRow(control)
            else:
                label.setWordWrap(False)
                label.setMinimumHeight(0)
                self._form.addRow(label, control)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # A+ / A-: labels change width
            self._fit_rows()

    def _make_control(self, param) -> QWidget:
        # The spin boxes accept three digits more than allowed, and signs, and _keep_in_bounds
        # brings the number into the declared range with a word why: with that range as the
        # box's own limits, Qt dropped the keys that would leave it ("999" became "9", "-5"
        # became "5") without a word.  (Not any number: Qt sizes a box by its limits; _Sized
        # takes the declared ones.)
        if param.kind == "int":
            box = _IntBox()
            box.declared = self._bounds(param)
            reach = min(1000 * (abs(int(param.maximum)) + 1), INT_LIMIT)  # 3 digits more than allowed
            box.setRange(-reach, reach)
            box.setGroupSeparatorShown(True)
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            box.setKeyboardTracking(False)  # a value is checked once typed, not per key
            box.valueChanged.connect(self.changed)
            return box
        if param.kind == "float":
            box = _FloatBox()
            box.declared = self._bounds(param)
            box.setDecimals(_decimals_for(param))
            reach = 1000 * (abs(float(param.maximum)) + 1)
            box.setRange(-reach, reach)
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self.changed)
            return box
        if param.kind == "bool":
            box = QCheckBox()
            box.toggled.connect(self.changed)
            return box
        box = QComboBox()
        box.addItems(list(param.choices))
        box.currentIndexChanged.connect(self.changed)
        return box

    def _bounds(self, param) -> tuple:
        if param.kind == "int":
            return max(int(param.minimum), -INT_LIMIT), min(int(param.maximum), INT_LIMIT)
        return float(param.minimum), float(param.maximum)

    def _keep_in_bounds(self, param, value) -> None:
        """A value outside the declared bounds becomes the nearest bound, and the form says so."""
        low, high = self._bounds(param)
        if low <= value <= high:
            return
        control = self._controls.get(param.name)
        if control is None:
            return
        bound = high if value > high else low
        name = param.labelled(self.lang)
        if value > high:
            text = self.tr("{0}: {1} is more than the most allowed, {2}; set to {2}.")
        else:
            text = self.tr("{0}: {1} is less than the least allowed, {2}; set to {2}.")
        self.notice.setText(text.format(name, control.textFromValue(value), control.textFromValue(bound)))
        self.notice.show()
        control.setValue(bound)

    def _set_control(self, param, value) -> None:
        control = self._controls[param.name]
        if param.kind in ("int", "float"):
            control.setValue(value)
        elif param.kind == "bool":
            control.setChecked(bool(value))
        else:
            control.setCurrentIndex(max(0, control.findText(str(value))))

    def set_value(self, name: str, value) -> None:
        self._set_control(self.scenario.param(name), value)

    def control(self, name: str) -> QWidget:
        return self._controls[name]

    def values(self) -> dict:
        """name -> value, typed and within the declared bounds."""
        out = {}
        if self.scenario is None:
            return out
        for param in self.scenario.params:
            control = self._controls[param.name]
            if param.kind in ("int", "float"):
                control.interpretText()  # a number typed but not yet entered (F5 in the box)
            if param.kind == "int":
                out[param.name] = int(control.value())
            elif param.kind == "float":
                out[param.name] = float(control.value())
            elif param.kind == "bool":
                out[param.name] = control.isChecked()
            else:
                out[param.name] = control.currentText()
        return out

    def all_values(self) -> dict:
        """scenario id -> {name: value}: every scenario's values used while the window was open."""
        values = dict(self._remembered)
        if self.scenario is not None:
            values[self.scenario.ref] = self.values()
        return values

    def remember(self, saved: dict) -> None:
        """Values saved by an earlier launch; those that no longer validate are dropped."""
        from engine import scenarios
        for sid, values in saved.items() if isinstance(saved, dict) else ():
            if not isinstance(sid, str) or sid.endswith(".py"):  # ids only: never load a file
                continue
            try:
                scenario = scenarios.get(sid)
            except Exception:  # a scenario gone or broken: its values go with it
                continue
            kept = {}
            for name, value in values.items() if isinstance(values, dict) else ():
                try:
                    scenario.param(name).validate(value)
                except Exception:
                    continue
                kept[name] = value
            self._remembered[sid] = kept
        if self.scenario is not None and self.scenario.ref in self._remembered:
            for name, value in self._remembered[self.scenario.ref].items():
                self._set_control(self.scenario.param(name), value)

    def reset_defaults(self) -> None:
        if self.scenario is None:
            return
        for param in self.scenario.params:
            self._set_control(param, param.default)
        self.notice.hide()
