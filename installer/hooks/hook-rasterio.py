"""PyInstaller hook for rasterio (pyinstaller-hooks-contrib has none for rasterio 1.4).

Its Cython extensions import one another (``rasterio._base``, ``rasterio._io``, ``rasterio._env``
...) where the analysis cannot see it, and its wheel carries the GDAL and PROJ data of its own GDAL
(``rasterio/gdal_data``, ``rasterio/proj_data``). The ``rio`` command line is left out.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules(
    "rasterio", filter=lambda name: not name.startswith("rasterio.rio") and ".tests" not in name
)
datas = collect_data_files("rasterio", excludes=["**/*.cmake", "**/*.svg"])
excludedimports = ["rasterio.rio"]
