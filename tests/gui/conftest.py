"""Widget tests start in English, whatever the test before them switched to."""
import pytest


@pytest.fixture(autouse=True)
def english_after_each_test():
    yield
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is not None:
        from gui import app as app_module
        app_module.install_translator(app, "en")
