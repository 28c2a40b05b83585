"""CityPlanner desktop application: PySide6 and pyqtgraph over the :mod:`cityplanner` engine.

Every Qt import of the project lives here; the engine stays Qt-free. Run it with
``python main.py [PROJECT.cityplan]`` (see :func:`ui.app.main`).
"""
