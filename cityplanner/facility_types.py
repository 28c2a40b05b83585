"""The catalogue of facility types a new project starts with (``resources/facility_types.yaml``).

:func:`load_catalogue` returns the entries as :class:`~cityplanner.project.FacilityType` objects
with the catalogue's cost currency (fresh objects on every call, so projects never share them).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from .errors import ProjectError
from .project import FacilityType
from .resources import resource_path

CATALOGUE_FILE = "facility_types.yaml"
_REQUIRED = ("name", "label", "label_vi", "icon", "color", "radius_m", "capacity", "unit_cost")


def load_catalogue(path: str | os.PathLike | None = None) -> tuple[list[FacilityType], str]:
    """Read the facility-type catalogue (the shipped one unless ``path`` is given).

    Returns
    -------
    types : list of FacilityType
        The entries in catalogue order.
    currency : str
        Currency of every ``unit_cost`` (the catalogue's ``currency``, USD if absent).

    Raises
    ------
    ProjectError
        When the file is missing, not YAML, or an entry lacks a field or has a non-numeric value.
    """
    path = Path(path) if path is not None else resource_path(CATALOGUE_FILE)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ProjectError(f"Facility type catalogue '{path}' cannot be read ({err.strerror}).") from err
    except yaml.YAMLError as err:
        raise ProjectError(f"Facility type catalogue '{path}' is not valid YAML.") from err
    entries = doc.get("facility_types") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ProjectError(f"Facility type catalogue '{path}' has no 'facility_types' list.")
    currency = str(doc.get("currency", "USD"))
    specs = []
    for i, entry in enumerate(entries, start=1):
        missing = [k for k in _REQUIRED if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise ProjectError(f"Entry {i} of facility type catalogue '{path}' lacks {', '.join(missing)}.")
        try:
            numbers = {k: float(entry[k]) for k in ("radius_m", "capacity", "unit_cost")}
        except (TypeError, ValueError) as err:
            raise ProjectError(
                f"Entry {i} ('{entry['name']}') of facility type catalogue '{path}' has a non-numeric "
                "radius_m, capacity or unit_cost."
            ) from err
        specs.append(
            FacilityType(
                name=str(entry["name"]),
                label=str(entry["label"]),
                label_vi=str(entry["label_vi"]),
                icon=str(entry["icon"]),
                color=str(entry["color"]),
                capacity_unit=str(entry.get("capacity_unit") or ""),
                **numbers,
            )
        )
    return specs, currency
