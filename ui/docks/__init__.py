"""Dock widgets around the map: layers, attributes, KPIs, scenarios and the facility palette."""
