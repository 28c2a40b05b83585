"""PyInstaller hook for pyarrow, replacing pyinstaller-hooks-contrib's (which takes all of it).

The engine uses Arrow tables (pyogrio's ``use_arrow=True`` reads and writes), Parquet
(GeoParquet layers) and what they import: compute, datasets, Acero. Left out: the Flight RPC
framework, the S3 / GCS / Azure / HDFS file systems, CUDA, Gandiva, Substrait's Python side, the
tests, the C++ headers and the Cython sources (about 70 MB).
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

_UNUSED = (
    "pyarrow.tests", "pyarrow.flight", "pyarrow._flight", "pyarrow.cuda", "pyarrow._cuda",
    "pyarrow.gandiva", "pyarrow._s3fs", "pyarrow._gcsfs", "pyarrow._azurefs", "pyarrow._hdfs",
    "pyarrow.substrait", "pyarrow._substrait", "pyarrow.benchmark", "pyarrow._pyarrow_cpp_tests",
)  # fmt: skip

hiddenimports = collect_submodules("pyarrow", filter=lambda name: not name.startswith(_UNUSED))
excludedimports = list(_UNUSED)
_SOURCES = ["include", "include/**", "src", "src/**", "tests", "tests/**", "**/*.pyx", "**/*.pxd"]
_SOURCES += ["**/*.pxi", "**/*.h", "**/*.cc", "**/*.cmake", "**/CMakeLists.txt"]
datas = collect_data_files("pyarrow", excludes=_SOURCES)
# The shared libraries come in as dependencies of the extensions kept; none is collected wholesale.
