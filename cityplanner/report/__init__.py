"""Plan reports and exports: PDF report, offline HTML map, CSV / Excel tables and a GeoPackage.

Every number comes from :mod:`cityplanner.kpi` (the same evaluation ``cityplanner kpis`` prints),
gathered once by :func:`cityplanner.report.content.collect` and laid out by

* :func:`cityplanner.report.pdf.write_pdf` (reportlab, vector maps, embedded DejaVu Sans),
* :func:`cityplanner.report.html.write_html` (Leaflet inlined, rendered once with no template
  engine, works offline),
* :func:`cityplanner.report.tables.write_xlsx`, :func:`~cityplanner.report.tables.write_csv` and
  :func:`~cityplanner.report.tables.write_gpkg` (with QGIS layer styles).
"""
