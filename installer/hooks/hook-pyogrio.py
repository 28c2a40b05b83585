"""PyInstaller hook for pyogrio (pyinstaller-hooks-contrib has none).

pyogrio's Cython extensions import each other (``pyogrio._io`` needs ``pyogrio._geometry``), which
PyInstaller's analysis of Python code cannot see: without this hook the bundle fails with
``No module named 'pyogrio._geometry'``. Its wheel also carries the GDAL and PROJ data its own
GDAL reads (``pyogrio/gdal_data``, ``pyogrio/proj_data``, found beside the package at run time).
"""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, collect_submodules

hiddenimports = collect_submodules("pyogrio", filter=lambda name: ".tests" not in name)
datas = collect_data_files(
    "pyogrio", excludes=["tests", "tests/**", "**/*.cmake", "**/vcpkg*", "**/usage", "**/*.svg"]
)
binaries = collect_dynamic_libs("pyogrio")
