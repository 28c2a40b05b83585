"""PyInstaller hook for fiona, replacing pyinstaller-hooks-contrib's (which misses extensions).

fiona's Cython extensions import one another where the analysis cannot see it; its wheel carries
the GDAL and PROJ data of its own GDAL (``fiona/gdal_data``, ``fiona/proj_data``). The ``fio``
command line is left out. The engine uses fiona only as a fallback reader (cityplanner/io.py).
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules(
    "fiona", filter=lambda name: not name.startswith("fiona.fio") and ".tests" not in name
) + ["json"]
datas = collect_data_files("fiona", excludes=["**/*.cmake", "**/*.svg", "**/*.pxd", "**/*.pxi"])
excludedimports = ["fiona.fio"]
