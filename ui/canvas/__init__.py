"""The map canvas: a pyqtgraph view of the project's layers, overlays and interaction tools."""
