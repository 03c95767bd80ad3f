"""Controls built from a scenario's declared parameters (engine.params.Param).

The widgets enforce the declared bounds (the same declaration the CLI validates
against), so a value the form returns always passes ``Param.validate``.
Values are remembered per scenario while the window is open.
"""
import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

INT_LIMIT = 2 ** 31 - 1  # QSpinBox holds a C int


def _decimals_for(param) -> int:
    """Enough decimals to show the smallest allowed value and the default."""
    smallest = min(abs(v) for v in (param.minimum, param.maximum, param.default) if v) or 1.0
    return max(2, min(8, -math.floor(math.log10(smallest) + 1e-9)))


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
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._form_host = QWidget()
        self._form = QFormLayout(self._form_host)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        outer.addWidget(self._form_host)
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
            self._remembered[self.scenario.id] = self.values()
        while self._form.rowCount():
            self._form.removeRow(0)
        self._controls.clear()
        self._labels.clear()
        self.scenario = scenario
        params = sorted(scenario.params, key=lambda p: p.name != "workers")
        remembered = self._remembered.get(scenario.id, {})
        for param in params:
            control = self._make_control(param)
            self._controls[param.name] = control
            self._set_control(param, remembered.get(param.name, param.default))
            label = QLabel()
            label.setBuddy(control)
            # No word wrap: QFormLayout mis-sizes wrapped labels (they get clipped); a long
            # label instead puts its control on the next line (WrapLongRows).
            if param.name == "workers":
                font = label.font()
                font.setBold(True)
                label.setFont(font)
            self._labels[param.name] = label
            if param.kind == "bool":
                self._form.addRow(control)
            else:
                self._form.addRow(label, control)
            self._label_param(param)

    def _label_param(self, param) -> None:
        text = param.label.get(self.lang, param.label["en"])
        if param.unit:
            text = "%s (%s)" % (text, param.unit)
        helptext = param.help.get(self.lang, param.help.get("en", ""))
        control = self._controls[param.name]
        if param.kind == "bool":
            control.setText(text)
        else:
            self._labels[param.name].setText(text)
            self._labels[param.name].setToolTip(helptext)
        control.setToolTip(helptext)

    def _make_control(self, param) -> QWidget:
        if param.kind == "int":
            box = QSpinBox()
            box.setRange(max(int(param.minimum), -INT_LIMIT), min(int(param.maximum), INT_LIMIT))
            box.setGroupSeparatorShown(True)
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            box.valueChanged.connect(self.changed)
            return box
        if param.kind == "float":
            box = QDoubleSpinBox()
            box.setDecimals(_decimals_for(param))
            box.setRange(float(param.minimum), float(param.maximum))
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
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
            if param.kind == "int":
                out[param.name] = int(control.value())
            elif param.kind == "float":
                out[param.name] = float(control.value())
            elif param.kind == "bool":
                out[param.name] = control.isChecked()
            else:
                out[param.name] = control.currentText()
        return out

    def reset_defaults(self) -> None:
        if self.scenario is None:
            return
        for param in self.scenario.params:
            self._set_control(param, param.default)
