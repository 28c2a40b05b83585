"""The PDF plan report, laid out with reportlab.

reportlab rather than Qt's QPdfWriter: the engine never imports Qt, reportlab is pure Python,
embeds TrueType fonts as subsets (Vietnamese text stays searchable and copyable) and lets maps be
drawn as vector paths straight from shapely coordinates (see :mod:`cityplanner.report.figures`).
"""

from __future__ import annotations

import copy
import dataclasses
import io
import os
from html import escape
from pathlib import Path

import numpy as np
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.pagesizes import landscape as to_landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..errors import ReportError
from ..kpi import capacity_summary
from ..progress import Progress, report
from ..project import Project
from ..settings import AnalysisSettings
from ..surface import surface_summary
from . import i18n
from ._common import content_for, kpi_rows, placement_rows, replaced_atomically
from .content import (
    ReportContent,
    ScenarioContent,
    decision_rows,
    decision_summary,
    decision_text,
)
from .figures import SCENARIO_COLOURS, STATUS_COLOURS, CityLayers, MapFigure, district_bar_chart
from .fonts import BOLD, REGULAR, register_fonts

PAPERS = {"a4": A4, "a3": A3}
MARGIN = 15 * mm
GRID = colors.HexColor("#bdbdbd")
HEADER_FILL = colors.HexColor("#e8eef5")
# Line height of plain-string table cells, as a multiple of their font size (see _table).
CELL_LEADING = 1.2
# Most characters the report prints of a text from the project or the KPI catalogue; longer ones
# are cut and end in "…". reportlab can split neither a table row nor a map across pages, so a
# name thousands of characters long (a scenario, zone, layer or placement name) would not fit.
NAME_CHARS = 120  # scenario, placement, zone, district, field and layer names
LABEL_CHARS = 40  # facility type labels: up to nine share the map legend beside a landscape map
KPI_NAME_CHARS = 80  # KPI names and units
TITLE_CHARS = 200  # title, city, author, map data attribution
TEXT_CHARS = 600  # scenario descriptions, KPI definitions and notes


def write_pdf(
    project: Project,
    scenarios: list[str] | None,
    path: str | os.PathLike,
    paper: str = "a4",
    landscape: bool = False,
    author: str | None = None,
    title: str | None = None,
    progress: Progress | None = None,
    *,
    content: ReportContent | None = None,
    lang: str | None = None,
) -> Path:
    """Write the plan report of ``project`` for ``scenarios`` to a PDF file.

    Parameters
    ----------
    project : Project
    scenarios : list of str or None
        Plans to report; the baseline is always included, first. All scenarios when None or empty.
    path : path-like
        The PDF to write (replaced atomically when it exists).
    paper : {"a4", "a3"}
    landscape : bool
    author, title : str, optional
        Shown on the title page; default to the project's ``author`` and ``plan_name`` settings.
    progress : Progress, optional
        Receives fractions in [0, 1]: the evaluation (unless ``content`` is given), then the writing.
    content : ReportContent, optional
        What :func:`~cityplanner.report.content.collect` gathered for these scenarios, to write
        several outputs from one evaluation.
    lang : {"en", "vi"}, optional
        The report's language (headings, tables, sentences, units and number format; see
        :mod:`cityplanner.report.i18n`); default ``content``'s, else English.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ReportError
        If the paper size or language is unknown or the file cannot be written.
    ProjectError
        If a scenario is not in the project.
    """
    paper_key = str(paper).lower()
    if paper_key not in PAPERS:
        raise ReportError(f"The paper size '{paper}' is not supported (use a4 or a3).")
    register_fonts()
    target = Path(path)
    if lang is not None:
        i18n.check_lang(lang)
    content = _printable(
        content_for(project, scenarios, content, progress, author=author, title=title, lang=lang)
    )
    page_size = to_landscape(PAPERS[paper_key]) if landscape else PAPERS[paper_key]
    buffer = io.BytesIO()
    document = _document(buffer, content, page_size, progress)
    document.build(_story(content, document.width, document.height))
    report(progress, 1.0, "Report written")
    with replaced_atomically(target, "report") as tmp:
        tmp.write_bytes(buffer.getvalue())
    return target


# -- text that fits -------------------------------------------------------------------------------
def _fit(text: str, limit: int = NAME_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit_width(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut, ending in "…", to fit one line of ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _fit_unique(names: list[str], limit: int) -> list[str]:
    """Each name cut to ``limit`` characters, still told apart when cutting made two the same."""
    fitted: list[str] = []
    for name in names:
        short, i = _fit(name, limit), 2
        while short in fitted:
            short, i = _fit(name, limit - 5) + f" ({i})", i + 1
        fitted.append(short)
    return fitted


def _printable(content: ReportContent) -> ReportContent:
    """``content`` with every text from the project and the catalogue cut to what fits a page.

    A copy: the project's and the catalogue's own texts are not changed. Layers, zones and all
    numbers are shared with ``content``. Zone values (district names) and layer and field names
    are cut where they are printed, since the copy still looks columns up by them.
    """
    project = copy.copy(content.project)
    project.facility_types = {
        key: dataclasses.replace(
            ft, label=_fit(ft.label, LABEL_CHARS), label_vi=_fit(ft.label_vi, LABEL_CHARS)
        )
        for key, ft in content.project.facility_types.items()
    }
    names = _fit_unique([s.name for s in content.scenarios], NAME_CHARS)
    scenarios = []
    for scenario, name in zip(content.scenarios, names, strict=True):
        placements = scenario.placements
        if not placements.empty:
            placements = placements.assign(
                name=placements["name"].map(lambda v: _fit(v) if isinstance(v, str) else v),
                type_label=placements["type_label"].map(lambda v: _fit(str(v), LABEL_CHARS)),
            )
        kpis = [
            dataclasses.replace(
                k,
                name=_fit(k.name, KPI_NAME_CHARS),
                name_vi=_fit(k.name_vi, KPI_NAME_CHARS),
                unit=_fit(k.unit, KPI_NAME_CHARS),
                code=_fit(k.code, KPI_NAME_CHARS),
                method_note=_fit(k.method_note, TEXT_CHARS) if k.method_note else k.method_note,
            )
            for k in scenario.kpis
        ]
        scenarios.append(
            dataclasses.replace(
                scenario,
                name=name,
                description=_fit(scenario.description, TEXT_CHARS),
                placements=placements,
                kpis=kpis,
            )
        )
    catalogue = [
        dataclasses.replace(
            k,
            name=_fit(k.name, KPI_NAME_CHARS),
            name_vi=_fit(k.name_vi, KPI_NAME_CHARS),
            unit=_fit(k.unit, KPI_NAME_CHARS),
            code=_fit(k.code, KPI_NAME_CHARS),
            standard=_fit(k.standard, KPI_NAME_CHARS),
            description=_fit(k.description, TEXT_CHARS),
        )
        for k in content.catalogue
    ]
    return dataclasses.replace(
        content,
        project=project,
        title=_fit(content.title, TITLE_CHARS),
        city=_fit(content.city, TITLE_CHARS),
        author=_fit(content.author, TITLE_CHARS),
        attribution=_fit(content.attribution, NAME_CHARS),
        scenarios=scenarios,
        catalogue=catalogue,
    )


# -- document and styles ------------------------------------------------------------------------
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=REGULAR, bulletFontName=REGULAR, fontSize=9, leading=12, spaceAfter=4
    )
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=8.6, spaceAfter=0),
        "vi": ParagraphStyle(
            "vi", parent=base, fontSize=6.5, leading=8, textColor=colors.HexColor("#555555"), spaceAfter=0
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=7, leading=8.5, spaceAfter=0),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=10, bulletIndent=0),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=6),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=26, leading=32, alignment=TA_CENTER
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=15, leading=20, alignment=TA_CENTER),
        "centre": ParagraphStyle("centre", parent=base, fontSize=10, leading=14, alignment=TA_CENTER),
    }


def _document(
    buffer: io.BytesIO, content: ReportContent, page_size, progress: Progress | None
) -> BaseDocTemplate:
    document = BaseDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=content.title,
        author=content.author,
        subject=(
            i18n.tr(content.lang, "plan_report_of", city=content.city)
            if content.city
            else i18n.tr(content.lang, "plan_report")
        ),
        creator="CityPlanner",
        # Otherwise reportlab's canvas starts in Helvetica, a font it cannot embed.
        initialFontName=REGULAR,
    )
    frame = Frame(document.leftMargin, document.bottomMargin, document.width, document.height, id="body")

    def footer(canvas, doc) -> None:
        # Building pages is most of the work after evaluation; a report is about ten pages.
        report(progress, min(0.5 + 0.05 * doc.page, 0.98), f"Writing page {doc.page}")
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        y = MARGIN
        canvas.drawString(doc.leftMargin, y, _fit_width(content.title, REGULAR, 7, doc.width - 40))
        canvas.drawRightString(doc.leftMargin + doc.width, y, i18n.tr(content.lang, "page", page=doc.page))
        canvas.restoreState()

    document.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])
    return document


# -- the story ----------------------------------------------------------------------------------
def _story(content: ReportContent, width: float, height: float) -> list:
    styles = _styles()
    city = CityLayers.from_project(content.project)
    headline = content.headline_kpi()
    story: list = []
    story += _title_page(content, styles, height)
    story += _summary(content, styles)
    story += _decisions_section(content, styles, width)
    lang = content.lang
    for scenario in content.scenarios:
        story += [
            PageBreak(),
            Paragraph(i18n.tr(lang, "map_heading", scenario=escape(scenario.name)), styles["h1"]),
        ]
        if scenario.description:
            story.append(Paragraph(escape(scenario.description), styles["body"]))
        story.append(MapFigure(content, scenario, city, height - 70, headline))
    for scenario in content.scenarios:
        story += [
            PageBreak(),
            Paragraph(i18n.tr(lang, "kpis_heading", scenario=escape(scenario.name)), styles["h1"]),
        ]
        story.append(_kpi_table(scenario, styles, width, lang))
        story.append(Spacer(1, 4))
        story.append(Paragraph(i18n.tr(lang, "status_note"), styles["small"]))
    story += _district_section(content, styles, width)
    story += _placements_section(content, styles, width)
    story += _methods_section(content, styles, width)
    return story


def _title_page(content: ReportContent, styles, height: float) -> list:
    lang = content.lang
    lines = [Spacer(1, height * 0.22)]
    if content.city:
        lines.append(Paragraph(escape(content.city), styles["subtitle"]))
        lines.append(Spacer(1, 10))
    lines.append(Paragraph(escape(content.title), styles["title"]))
    lines.append(Spacer(1, 14))
    lines.append(Paragraph(i18n.tr(lang, "plan_report"), styles["subtitle"]))
    lines.append(Spacer(1, 30))
    names = ", ".join(escape(s.name) for s in content.scenarios)
    lines.append(Paragraph(i18n.tr(lang, "scenarios_line", names=names), styles["centre"]))
    date = i18n.format_date(content.date, lang)
    lines.append(Paragraph(i18n.tr(lang, "date_line", date=date), styles["centre"]))
    if content.author:
        lines.append(Paragraph(i18n.tr(lang, "author_line", author=escape(content.author)), styles["centre"]))
    lines.append(Spacer(1, 40))
    if content.attribution:
        attribution = escape(content.attribution)
        lines.append(Paragraph(i18n.tr(lang, "map_data", attribution=attribution), styles["centre"]))
    lines.append(Paragraph(i18n.tr(lang, "prepared_with"), styles["centre"]))
    return lines


def _summary(content: ReportContent, styles) -> list:
    lang = content.lang
    story = [PageBreak(), Paragraph(i18n.tr(lang, "executive_summary"), styles["h1"])]
    story.append(
        Paragraph(
            i18n.tr(
                lang,
                "plan_area",
                people=_people_in_zones(content),
                mode=_mode_words(content.distance_mode, lang),
            ),
            styles["body"],
        )
    )
    for scenario in [*content.plans, content.baseline]:
        story.append(Paragraph(escape(scenario.name), styles["h2"]))
        sentences = content.summary(scenario)
        cost = content.cost_sentence(scenario)
        for sentence in [*sentences[:1], *([cost] if cost else []), *sentences[1:]]:
            story.append(Paragraph(escape(sentence), styles["bullet"], bulletText="•"))
    return story


def _people_in_zones(content: ReportContent) -> str:
    lang = content.lang
    return i18n.tr(
        lang,
        "people_in_zones",
        people=i18n.format_number(content.population.sum(), lang, decimals=0),
        zones=i18n.format_number(len(content.population), lang, decimals=0),
    )


def _mode_words(mode: str, lang: str = "en") -> str:
    return i18n.tr(lang, "mode_network" if mode == "network" else "mode_euclidean")


def _table(rows: list[list], widths: list[float], extra: list | None = None, header_rows: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.3, GRID),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        # reportlab keeps a plain-string cell's leading at 12 pt whatever its font size, which lifts
        # numbers about 1.5 pt above the text of the Paragraph cells beside them; 1.2 x the size
        # puts both on one baseline.
        ("LEADING", (0, 0), (-1, -1), 7.5 * CELL_LEADING),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    table.setStyle(TableStyle(commands + (extra or [])))
    return table


def _kpi_table(scenario: ScenarioContent, styles, width: float, lang: str = "en") -> Table:
    head = [
        i18n.tr(lang, key)
        for key in (
            "col_code",
            "col_kpi_names",
            "col_value",
            "col_unit",
            "col_target",
            "col_status",
            "col_change",
        )
    ]
    rows: list[list] = [[Paragraph(h, styles["head"]) for h in head]]
    extra = []
    for i, kpi in enumerate(kpi_rows(scenario, lang), start=1):
        first, second = kpi.names
        rows.append(
            [
                Paragraph(escape(kpi.code), styles["cell"]),
                [Paragraph(escape(first), styles["cell"]), Paragraph(escape(second), styles["vi"])],
                kpi.value,
                Paragraph(escape(kpi.unit), styles["small"]),
                kpi.target,
                kpi.status_label,
                kpi.change,
            ]
        )
        extra.append(("BACKGROUND", (5, i), (5, i), colors.HexColor(STATUS_COLOURS[kpi.status])))
        if kpi.status in ("met", "not met"):
            extra.append(("TEXTCOLOR", (5, i), (5, i), colors.white))
    extra += [
        ("ALIGN", (2, 1), (2, -1), "RIGHT"),
        ("ALIGN", (4, 1), (4, -1), "RIGHT"),
        ("ALIGN", (6, 1), (6, -1), "RIGHT"),
    ]
    extra.append(("ALIGN", (5, 1), (5, -1), "CENTER"))
    # Vietnamese numbers and statuses ("1.234,5", "chưa đạt") need a little more room.
    fractions = (
        [0.15, 0.37, 0.09, 0.14, 0.08, 0.08, 0.09]
        if lang != "vi"
        else [0.13, 0.35, 0.1, 0.14, 0.09, 0.1, 0.09]
    )
    return _table(rows, [f * width for f in fractions], extra)


def _district_section(content: ReportContent, styles, width: float) -> list:
    people_kpis = list(content.baseline.zone_covered.columns)
    if not people_kpis:
        return []
    field = content.district_field
    lang = content.lang
    place = (
        i18n.tr(lang, "district_place_field", field=escape(_fit(field)))
        if field
        else i18n.tr(lang, "district_place")
    )
    story = [PageBreak(), Paragraph(i18n.tr(lang, "coverage_by_district"), styles["h1"])]
    story.append(Paragraph(i18n.tr(lang, "district_intro", place=place), styles["body"]))
    first_w = 0.16 * width
    col_w = (width - first_w) / len(people_kpis)
    tables = {}
    for scenario in content.scenarios:
        table = content.district_coverage(scenario)
        tables[scenario.name] = table
        base = content.district_coverage(content.baseline)
        head = [Paragraph(i18n.tr(lang, "col_district"), styles["head"])] + [
            Paragraph(escape(i18n.kpi_name(content.definition(k), lang)), styles["head"]) for k in people_kpis
        ]
        rows: list[list] = [head]
        for district in table.index:
            cells = []
            for k in people_kpis:
                value = table.at[district, k]
                text = i18n.format_number(value, lang)
                if not scenario.is_baseline and np.isfinite(value) and np.isfinite(base.at[district, k]):
                    change = value - base.at[district, k]
                    text += f" ({i18n.format_change(change, lang)})" if round(change, 1) != 0 else ""
                cells.append(text)
            rows.append([Paragraph(escape(_fit(str(district))), styles["cell"]), *cells])
        extra = [
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("FONTSIZE", (1, 1), (-1, -1), 6.8),
            ("LEADING", (1, 1), (-1, -1), 6.8 * CELL_LEADING),
        ]
        extra.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.HexColor("#f5f5f5")))
        story.append(
            KeepTogether(
                [
                    Paragraph(escape(scenario.name), styles["h2"]),
                    _table(rows, [first_w] + [col_w] * len(people_kpis), extra),
                ]
            )
        )
    story += _district_charts(content, tables, people_kpis, styles, width)
    return story


def _district_charts(
    content: ReportContent, tables: dict, people_kpis: list[str], styles, width: float
) -> list:
    """Bar charts of the KPIs that plans change (all KPIs with a value when nothing changes)."""
    base = tables[content.baseline.name]
    changed = [
        k
        for k in people_kpis
        if any(not np.allclose(tables[s.name][k].fillna(-1), base[k].fillna(-1)) for s in content.plans)
    ]
    shown = changed or [k for k in people_kpis if base[k].notna().any()]
    if not shown:
        return []
    lang = content.lang
    intro = i18n.tr(lang, "charts_changed" if changed else "charts_unchanged")
    chart_w = (width - 10) / 2
    charts = []
    for k in shown:
        # The chart's legend cuts names to 60 characters: cut them here so they stay told apart.
        labels = _fit_unique([s.name for s in content.scenarios], 60)
        series = {
            label: tables[s.name][k].tolist() for label, s in zip(labels, content.scenarios, strict=True)
        }
        name = i18n.kpi_name(content.definition(k), lang)
        charts.append(district_bar_chart(name, list(base.index), series, chart_w))
    rows = [charts[i : i + 2] + [""] * (2 - len(charts[i : i + 2])) for i in range(0, len(charts), 2)]
    grid = Table(rows, colWidths=[chart_w + 5, chart_w + 5])
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ]
        )
    )
    return [
        CondPageBreak(200),
        Paragraph(i18n.tr(lang, "coverage_charts"), styles["h2"]),
        Paragraph(intro, styles["body"]),
        grid,
    ]


def _placements_section(content: ReportContent, styles, width: float) -> list:
    if not content.plans:
        return []
    lang = content.lang
    story = [PageBreak(), Paragraph(i18n.tr(lang, "proposed_placements"), styles["h1"])]
    story.append(Paragraph(i18n.tr(lang, "placements_intro"), styles["body"]))
    head = [
        i18n.tr(lang, key)
        for key in (
            "col_number", "col_type", "col_name", "col_longitude", "col_latitude", "col_marginal_gain",
            "col_source",
        )
    ]  # fmt: skip
    fractions = [0.05, 0.18, 0.37, 0.11, 0.11, 0.1, 0.08]
    for scenario in content.plans:
        placements = scenario.placements
        story.append(Paragraph(escape(scenario.name), styles["h2"]))
        cost = content.cost_sentence(scenario)
        if cost:
            story.append(Paragraph(escape(cost), styles["body"]))
        if placements.empty:
            story.append(Paragraph(i18n.tr(lang, "no_placements"), styles["body"]))
            continue
        rows: list[list] = [[Paragraph(h, styles["head"]) for h in head]]
        for p in placement_rows(placements, blank="—", lang=lang).itertuples():
            rows.append(
                [
                    p.number,
                    Paragraph(escape(p.type), styles["cell"]),
                    Paragraph(escape(p.name), styles["cell"]),
                    p.lon,
                    p.lat,
                    p.marginal_gain,
                    Paragraph(escape(i18n.source_name(p.source, lang)), styles["cell"])
                    if lang == "vi"
                    else p.source,
                ]
            )
        extra = [("ALIGN", (3, 1), (5, -1), "RIGHT"), ("ALIGN", (0, 1), (0, -1), "CENTER")]
        story.append(_table(rows, [f * width for f in fractions], extra))
    return story


def _decisions_section(content: ReportContent, styles, width: float) -> list:
    """The workshop's decision log (cityplanner.decisions), after the summary: the outcome first."""
    if not content.decisions:
        return []
    lang = content.lang
    story = [
        CondPageBreak(160),
        Paragraph(escape(decision_text("heading", lang)), styles["h1"]),
        Paragraph(escape(decision_text("intro", lang)), styles["body"]),
        Paragraph(escape(decision_summary(content.decisions, lang)), styles["body"]),
    ]
    keys = ("time", "scenario", "decision", "change", "kpis", "note")
    head = [Paragraph(escape(decision_text(f"col_{k}", lang)), styles["head"]) for k in keys]
    rows: list[list] = [head]
    for row in decision_rows(content.decisions, lang):
        rows.append([Paragraph(escape(_fit(row[k], 600)), styles["cell"]) for k in keys])
    fractions = [0.1, 0.12, 0.09, 0.23, 0.26, 0.2]
    story.append(_table(rows, [f * width for f in fractions], [("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return story


def _methods_section(content: ReportContent, styles, width: float) -> list:
    project = content.project
    settings = AnalysisSettings.of(project)
    lang = content.lang
    story = [PageBreak(), Paragraph(i18n.tr(lang, "appendix"), styles["h1"])]
    story.append(Paragraph(i18n.tr(lang, "kpi_definitions"), styles["h2"]))
    story.append(Paragraph(i18n.tr(lang, "definitions_intro"), styles["body"]))
    modes = {k.id: k.mode for k in content.baseline.kpis}
    notes = {k.id: k.method_note for k in content.baseline.kpis}
    targets = {k.id: k.target for k in content.baseline.kpis}
    head = [
        i18n.tr(lang, key)
        for key in (
            "col_standard_code",
            "col_kpi",
            "col_definition",
            "col_threshold",
            "col_distance",
            "col_target",
        )
    ]
    rows: list[list] = [[Paragraph(h, styles["head"]) for h in head]]
    for kpi in content.catalogue:
        definition = escape(i18n.kpi_description(kpi, lang))
        if notes.get(kpi.id):
            note = i18n.tr(lang, "baseline_note", note=escape(notes[kpi.id]))
            definition += f"<br/><font color='#555555'>{note}</font>"
        # Capacity KPIs: where each scenario's capacities came from and how access is spread.
        for scenario in content.scenarios:
            result = next((k for k in scenario.kpis if k.id == kpi.id), None)
            words = capacity_summary(result) if result is not None else ""
            if words:
                definition += f"<br/><font color='#555555'>{escape(scenario.name)}: {escape(words)}</font>"
        better = i18n.tr(lang, "higher" if kpi.direction == "higher" else "lower")
        first, second = i18n.kpi_names(kpi, lang)
        threshold = f"{i18n.format_general(kpi.threshold_m, lang)} m" if kpi.threshold_m else "—"
        target = i18n.tr(
            lang,
            "target_with_direction",
            target=i18n.format_number(targets[kpi.id], lang),
            unit=escape(i18n.unit(kpi.unit, lang)),
            better=better,
        )
        rows.append(
            [
                Paragraph(f"{escape(kpi.standard)}<br/>{escape(kpi.code)}", styles["small"]),
                [Paragraph(escape(first), styles["small"]), Paragraph(escape(second), styles["vi"])],
                Paragraph(definition, styles["small"]),
                Paragraph(threshold, styles["small"]),
                Paragraph(_distance_words(kpi.distance, modes.get(kpi.id, ""), lang), styles["small"]),
                Paragraph(target, styles["small"]),
            ]
        )
    fractions = [0.13, 0.2, 0.37, 0.09, 0.1, 0.11]
    story.append(_table(rows, [f * width for f in fractions], [("VALIGN", (0, 1), (-1, -1), "TOP")]))

    story.append(Paragraph(i18n.tr(lang, "data_sources"), styles["h2"]))
    story.append(
        Paragraph(
            i18n.tr(
                lang,
                "population_source",
                field=escape(_fit(project.population_field)),
                layer=escape(_fit(project.zones_layer)),
                people=_people_in_zones(content),
                crs_name=escape(project.crs.name),
                crs_code=escape(project.crs.to_string()),
                speed=i18n.format_general(settings.walk_speed_kmh, lang),
                snap=i18n.format_general(settings.max_snap_m, lang),
            ),
            styles["body"],
        )
    )
    surface = surface_summary(project)
    cells = (
        i18n.tr(lang, "surface_cells", cells=i18n.format_number(surface["cells"], lang, decimals=0))
        if surface["cells"] is not None
        else ""
    )
    story.append(
        Paragraph(
            i18n.tr(
                lang,
                "surface_sentence",
                cell=i18n.format_general(surface["cell_size_m"], lang),
                cells=cells,
                method=escape(
                    i18n.tr(lang, f"method_{surface['method']}") if lang == "vi" else surface["method"]
                ),
                note=escape(_fit(surface["note"], TEXT_CHARS)),
            ),
            styles["body"],
        )
    )
    head = [i18n.tr(lang, key) for key in ("col_layer", "col_role", "col_features", "col_source")]
    rows = [[Paragraph(h, styles["head"]) for h in head]]
    for layer in project.layers.values():
        source = Path(layer.source).name if layer.source else i18n.tr(lang, "generated")
        if layer.source_layer:
            source += f" : {layer.source_layer}"
        role = i18n.role_name(layer.role, project, lang)
        rows.append(
            [
                Paragraph(escape(_fit(layer.name)), styles["cell"]),
                Paragraph(escape(_fit(role or "—")), styles["cell"]),
                i18n.format_number(layer.feature_count, lang, decimals=0),
                Paragraph(escape(_fit(source, TITLE_CHARS)), styles["cell"]),
            ]
        )
    fractions = [0.22, 0.18, 0.12, 0.48]
    story.append(_table(rows, [f * width for f in fractions], [("ALIGN", (2, 1), (2, -1), "RIGHT")]))
    if content.attribution:
        story.append(Spacer(1, 6))
        key = "map_data_odbl" if "OpenStreetMap" in content.attribution else "map_data_sentence"
        story.append(Paragraph(i18n.tr(lang, key, attribution=escape(content.attribution)), styles["body"]))
    colours = ", ".join(
        f"<font color='{SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]}'>■</font> {escape(s.name)}"
        for i, s in enumerate(content.scenarios)
    )
    story.append(Paragraph(i18n.tr(lang, "scenario_colours", colours=colours), styles["small"]))
    return story


def _distance_words(distance: str, mode: str, lang: str = "en") -> str:
    if distance == "euclidean":
        return i18n.tr(lang, "distance_straight")
    return i18n.tr(lang, "distance_network" if mode == "network" else "distance_no_network")
