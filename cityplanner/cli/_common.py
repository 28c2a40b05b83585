"""Helpers shared by the verb modules: JSON output and ``FILE[:LAYER]`` arguments."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np


def _plain(obj: Any) -> Any:
    """Convert numpy scalars/arrays and NaN to JSON-ready Python values."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    return obj


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    json.dump(_plain(obj), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
