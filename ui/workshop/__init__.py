"""Workshop mode: the plan projected to a room and changed live.

- :mod:`.presentation` — presentation mode (F11, ``main.py --present``): full screen, the map and
  large KPI tiles, a minimal toolbar, before/after and split view, the decision log.
- :mod:`.tiles`, :mod:`.legend` — the KPI tiles and the legend sized for the room.
- :mod:`.split` — both scenarios on one map, either side of a divider.
- :mod:`.tools` — place, move and delete as ordinary undoable edits.
- :mod:`.help` — the shortcut overlay (F1 or ?).
- :mod:`.decision_dialog`, :mod:`.kpi_picker` — the decision log and the choice of tiles.
- :mod:`.screenfit` — the main window and its docks fitted to screens from 1024x768 up.
- :mod:`.theme` — the high-contrast, colour-blind-safe colours and the room's type sizes.
"""
