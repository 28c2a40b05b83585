"""The report and exports of a plan (:class:`Report`): ``cityplanner report`` and the app's
File > Export are this one task.

The KPIs are evaluated once (:func:`cityplanner.report.content.collect`) and every output asked
for is written from that one evaluation, so they all show the numbers ``cityplanner kpis`` prints:
the PDF report (:func:`~cityplanner.report.pdf.write_pdf`), the offline HTML map
(:func:`~cityplanner.report.html.write_html`), the Excel workbook, the GeoPackage and the CSV
tables (:mod:`cityplanner.report.tables`). Each file is replaced atomically, so a cancelled or
failed export never leaves half a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..progress import Progress, report
from ..report.content import collect, in_language
from ..report.i18n import LANGUAGES, check_lang
from ..report.pdf import PAPERS
from .base import PROJECT, Parameter, Task, check_scenarios, scaled

# Outputs in the order they are written (and ``cityplanner report`` prints them).
OUTPUTS = ("pdf", "html", "xlsx", "gpkg", "csv")
# File name endings each single-file output accepts (any case); ``csv`` names a folder.
SUFFIXES = {"pdf": (".pdf",), "html": (".html", ".htm"), "xlsx": (".xlsx",), "gpkg": (".gpkg",)}
ORIENTATIONS = ("portrait", "landscape")


@dataclass
class Written:
    """The result of :class:`Report`: the files written, by output (``csv``: a list of files)."""

    files: dict[str, Path | list[Path]] = field(default_factory=dict)
    content: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            kind: [str(f) for f in value] if isinstance(value, list) else str(value)
            for kind, value in self.files.items()
        }


class Report(Task):
    """Write the PDF plan report, the offline HTML map, an Excel workbook, a GeoPackage with QGIS
    styles and/or CSV tables for the baseline and the chosen plans.

    Context (not parameters): ``content``, a :class:`~cityplanner.report.content.ReportContent`
    already gathered for the same scenarios (written as it is, in ``lang``).
    """

    name = "report"
    title = "Report and export"
    description = (
        "Write a PDF plan report, an interactive HTML map that works offline, an Excel workbook, "
        "a GeoPackage with QGIS styles and/or CSV tables for the baseline and the chosen plans "
        "(all scenarios by default). Name at least one output."
    )
    parameters = (
        PROJECT,
        Parameter(
            "scenarios",
            "scenarios",
            help="plans to report, named after PROJECT.cityplan (one or more names, or repeat the flag); "
            "the baseline is always included (default: all scenarios)",
            metavar="NAME",
            flag="--scenario",
            label="Scenarios",
            cli={"nargs": "+", "action": "extend"},
        ),
        Parameter(
            "pdf", "output", help="write the PDF plan report here", metavar="OUT.pdf", label="PDF report"
        ),
        Parameter(
            "html", "output", help="write the interactive map here", metavar="OUT.html", label="HTML map"
        ),
        Parameter(
            "xlsx",
            "output",
            help="write the KPI and zone tables as an Excel workbook",
            metavar="OUT.xlsx",
            label="Excel workbook",
        ),
        Parameter(
            "gpkg",
            "output",
            help="write placements and zone metrics as a GeoPackage",
            metavar="OUT.gpkg",
            label="GeoPackage",
        ),
        Parameter(
            "csv",
            "folder",
            help="write the tables as CSV files into this folder",
            metavar="OUTDIR",
            label="CSV folder",
        ),
        Parameter(
            "paper",
            "choice",
            default="a4",
            choices=tuple(sorted(PAPERS)),
            help="PDF paper size (default a4)",
            label="Paper",
        ),
        Parameter(
            "orientation",
            "choice",
            default="portrait",
            choices=ORIENTATIONS,
            help="PDF in landscape orientation",
            flag="--landscape",
            label="Orientation",
            cli={"action": "store_const", "const": "landscape"},
        ),
        Parameter(
            "author",
            "text",
            help="author named on the title page (default: the project's setting)",
            label="Author",
        ),
        Parameter(
            "title", "text", help="title of the report (default: the project's plan name)", label="Title"
        ),
        Parameter(
            "lang",
            "choice",
            default="en",
            choices=LANGUAGES,
            help="language of the PDF report and the HTML map: en (English, default) or vi (Vietnamese: "
            "headings, tables, sentences, units and numbers written 1.234,5)",
            label="Language",
        ),
    )

    def __init__(self, *, content=None, **values: Any) -> None:
        if content is not None and values.get("project") is None:
            values["project"] = content.project
        super().__init__(**values)
        self.content = content

    def wanted(self) -> dict[str, str]:
        """The outputs asked for: output name -> target path, in :data:`OUTPUTS` order."""
        return {name: self[name] for name in OUTPUTS if self[name]}

    def check(self) -> None:
        wanted = self.wanted()
        if not wanted:
            refs = [self.refer(name) for name in OUTPUTS]
            raise ReportError(f"Nothing to write: name at least one of {', '.join(refs[:-1])} or {refs[-1]}.")
        for name, target in wanted.items():
            suffixes = SUFFIXES.get(name)
            if suffixes and Path(target).suffix.lower() not in suffixes:
                raise ReportError(
                    f"{self.refer(name)} {target} must be a file name ending in {' or '.join(suffixes)}."
                )
            folder = Path(target) if name == "csv" else Path(target).parent
            if name == "csv" and folder.exists() and not folder.is_dir():
                raise ReportError(f"{self.refer('csv')} {target} is a file, not a folder.")
            if name != "csv" and not (folder if str(folder) else Path(".")).is_dir():
                raise ReportError(f"The folder of {self.refer(name)} {target} does not exist.")
        if str(self["paper"]).lower() not in PAPERS:
            raise ReportError(f"The paper size '{self['paper']}' is not supported (use a4 or a3).")
        if self["orientation"] not in ORIENTATIONS:
            raise ReportError(f"The orientation '{self['orientation']}' is not one of portrait or landscape.")
        check_lang(self["lang"])
        project = self.load_project()
        check_scenarios(project, self.project_label(), self["scenarios"])

    def execute(self, progress: Progress | None) -> Written:
        from ..report.html import write_html
        from ..report.pdf import write_pdf
        from ..report.tables import write_csv, write_gpkg, write_xlsx

        project = self.load_project()
        scenarios = self["scenarios"]
        if self.content is not None:
            content = in_language(self.content, self["lang"])
        else:
            content = collect(
                project,
                scenarios,
                author=self["author"],
                title=self["title"],
                progress=scaled(progress, 0.0, 0.5),
                lang=self["lang"],
            )
        wanted = self.wanted()
        written = Written(content=content)
        step = 0.5 / len(wanted)
        for i, (name, target) in enumerate(wanted.items()):
            part = scaled(progress, 0.5 + i * step, 0.5 + (i + 1) * step)
            report(part, 0.0, f"Writing the {name.upper()} output")
            if name == "pdf":
                written.files[name] = write_pdf(
                    project,
                    scenarios,
                    target,
                    paper=self["paper"],
                    landscape=self["orientation"] == "landscape",
                    progress=part,
                    content=content,
                )
            elif name == "html":
                written.files[name] = write_html(project, scenarios, target, part, content=content)
            elif name == "xlsx":
                written.files[name] = write_xlsx(project, scenarios, target, part, content=content)
            elif name == "gpkg":
                written.files[name] = write_gpkg(project, scenarios, target, part, content=content)
            else:
                written.files[name] = write_csv(project, scenarios, target, part, content=content)
        report(progress, 1.0, "Report written")
        return written
