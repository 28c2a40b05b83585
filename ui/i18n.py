"""User interface language: English (the source strings) or Vietnamese (``cityplanner_vi.qm``).

The app's strings go through Qt's translation system (``self.tr`` / ``QCoreApplication.translate``,
context = class name), so Qt Linguist's tools work on ``resources/translations/cityplanner_vi.ts``;
``make translations`` compiles it to the ``.qm`` loaded here. The language is the QSettings value
``ui/language`` ("vi" or "en"), by default the system locale's (``vi_*`` gives Vietnamese); it is
chosen once, at start-up, before any window is built. Names that come from the engine's catalogues
(KPI names, facility types) already carry their Vietnamese (``name_vi``, ``label_vi``) and are
picked with :func:`catalogue_label` instead of being translated twice.

Numbers: :func:`format_number` is the app's one number format, the engine's
(:func:`cityplanner.report.i18n.format_number`) in the UI language: ``1,234.5`` in English,
``1.234,5`` in Vietnamese. Docks, tables, charts, legends and dialogs show numbers through it (or
:func:`format_plain`, :func:`format_degrees`); :func:`parse_number` reads them back. Qt's own
number widgets (spin boxes) follow :func:`number_locale`, made the default locale by
:func:`install_translator`. KPI units are shown with :func:`unit_label`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, QSettings, QTranslator

from cityplanner.report import i18n as engine_i18n
from cityplanner.resources import resource_path

LANGUAGE_KEY = "ui/language"
# Each language under its own name, as the View > Language menu lists them.
LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}
TRANSLATIONS_DIR = resource_path("translations")

# Qt ships no Vietnamese catalogue of its own widgets, so the standard buttons of message boxes and
# dialogs are listed here (Qt's own context) for lupdate to put them in our catalogue.
QT_STANDARD_TEXTS = (
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Save"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Discard"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
    QT_TRANSLATE_NOOP("QWizard", "< &Back"),
    QT_TRANSLATE_NOOP("QWizard", "&Next >"),
    QT_TRANSLATE_NOOP("QWizard", "&Finish"),
    QT_TRANSLATE_NOOP("QWizard", "Cancel"),
)

# KPI status words as the engine spells them; shown through translate("KpiStatus", ...).
STATUS_TEXTS = {
    "met": QT_TRANSLATE_NOOP("KpiStatus", "met"),
    "near": QT_TRANSLATE_NOOP("KpiStatus", "near"),
    "not met": QT_TRANSLATE_NOOP("KpiStatus", "not met"),
    "n/a": QT_TRANSLATE_NOOP("KpiStatus", "n/a"),
}

# Layer roles as the map legend and the Layers dock name a layer by default (facility layers are
# named by their type's label instead); shown through translate("LayerRole", ...).
ROLE_TEXTS = {
    "zones": QT_TRANSLATE_NOOP("LayerRole", "Zones"),
    "population_surface": QT_TRANSLATE_NOOP("LayerRole", "People per km²"),
    "roads": QT_TRANSLATE_NOOP("LayerRole", "Streets"),
    "buildings": QT_TRANSLATE_NOOP("LayerRole", "Buildings"),
    "hazard": QT_TRANSLATE_NOOP("LayerRole", "Hazard areas"),
}
# What the UI shows for a number it does not have (None, NaN).
NO_NUMBER = "–"

_state = {"language": "en", "translator": None}


def default_language(locale: QLocale | None = None) -> str:
    """'vi' for a Vietnamese system locale (``vi_VN``), else 'en'."""
    locale = locale or QLocale.system()
    return "vi" if locale.language() == QLocale.Language.Vietnamese else "en"


def configured_language(settings: QSettings | None = None) -> str:
    """The language stored under ``ui/language``, or the system locale's when none (or unknown)."""
    value = str((settings or QSettings()).value(LANGUAGE_KEY, "") or "")
    return value if value in LANGUAGES else default_language()


def store_language(settings: QSettings, language: str) -> None:
    """Remember the language for the next start-up."""
    settings.setValue(LANGUAGE_KEY, language)
    settings.sync()


def install_translator(language: str) -> str:
    """Make ``language`` the application's language (call before building windows).

    Returns the language in effect: 'en' when the Vietnamese catalogue cannot be loaded.
    """
    app = QCoreApplication.instance()
    previous = _state["translator"]
    if previous is not None:
        app.removeTranslator(previous)
        _state["translator"] = None
    _state["language"] = "en"
    if language == "vi":
        translator = QTranslator(app)
        if translator.load("cityplanner_vi", str(TRANSLATIONS_DIR)):
            app.installTranslator(translator)
            _state["translator"] = translator
            _state["language"] = "vi"
    # Spin boxes and other Qt number widgets write numbers as the rest of the UI does.
    QLocale.setDefault(number_locale())
    return _state["language"]


def current_language() -> str:
    """The language of the installed catalogue: 'vi' or 'en'."""
    return _state["language"]


def catalogue_label(english: str, vietnamese: str) -> str:
    """A catalogue name in the UI language (the English one when the Vietnamese is missing)."""
    return vietnamese if current_language() == "vi" and vietnamese else english


def facility_label(facility_type) -> str:
    """A facility type's label in the UI language (``FacilityType.label_vi`` in Vietnamese)."""
    return catalogue_label(facility_type.label, facility_type.label_vi)


def kpi_name(result) -> str:
    """A KPI's name in the UI language (``KpiResult.name_vi`` in Vietnamese)."""
    return catalogue_label(result.name, result.name_vi)


def status_text(status: str) -> str:
    """A KPI status word (met / near / not met) in the UI language."""
    return QCoreApplication.translate("KpiStatus", STATUS_TEXTS.get(status, status))


def role_label(role: str | None) -> str | None:
    """A layer role (zones, roads...) in the UI language, or None for a role without a label."""
    text = ROLE_TEXTS.get(role or "")
    return QCoreApplication.translate("LayerRole", text) if text else None


def placement_label(placement, project) -> str:
    """A placement's name as the UI shows it: a generated name in the UI language.

    A placement named after its type ("Clinic", the name a click gives) shows the type's label in
    the UI language; an optimiser's "Clinic MCLP 2" shows as the Vietnamese report writes it;
    names a planner typed are shown as they are, and an unnamed placement by its type's label.
    """
    ftype = project.facility_types.get(placement.type)
    if ftype is None:
        return placement.name or placement.type
    if not placement.name or placement.name == ftype.label:
        return facility_label(ftype)
    return engine_i18n.placement_name(placement.name, placement.type, project, current_language())


def scenario_label(name: str) -> str:
    """A scenario's name as shown: the default baseline name ('Baseline') in the UI language."""
    return engine_i18n.scenario_name(name, current_language())


# -- numbers ----------------------------------------------------------------------------------------
def number_locale() -> QLocale:
    """The Qt locale of the UI language's number format (Vietnamese: ``1.234,5``)."""
    if current_language() == "vi":
        return QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def format_number(value, decimals: int = 1, sign: bool = False) -> str:
    """``value`` with thousands separators and ``decimals`` decimals in the UI language.

    English ``1,234.5``, Vietnamese ``1.234,5`` (the engine's :func:`~cityplanner.report.i18n.
    format_number`, so the app and the report write numbers alike); :data:`NO_NUMBER` for None,
    NaN or infinity; ``sign`` writes ``+`` before positive values. A value that rounds to zero is
    written ``0``, never ``-0``.
    """
    number = _finite(value)
    if number is None:
        return NO_NUMBER
    if round(number, decimals) == 0:
        number = 0.0
    return engine_i18n.format_number(number, current_language(), decimals=decimals, sign=sign)


def format_plain(value, max_decimals: int = 3) -> str:
    """A setting with the decimals it needs (at most ``max_decimals``): ``2,500``, ``4.8``, ``0.25``."""
    number = _finite(value)
    if number is None:
        return NO_NUMBER
    decimals = next(
        (d for d in range(max_decimals) if abs(round(number, d) - number) <= 1e-9 * max(1.0, abs(number))),
        max_decimals,
    )
    return format_number(number, decimals)


def format_degrees(value, decimals: int = 5) -> str:
    """A WGS84 longitude or latitude in decimal degrees (5 decimals: about a metre)."""
    return format_number(value, decimals)


def parse_number(text: str) -> float:
    """A number typed in the UI language (``2.500`` or ``4,8`` in Vietnamese) or plainly (``4.8``).

    Raises ``ValueError`` for text that is not a number.
    """
    text = str(text).strip().replace("\u00a0", "").replace(" ", "")
    value, ok = number_locale().toDouble(text)
    if ok:
        return float(value)
    return float(text.replace(",", ""))


def unit_label(unit: str) -> str:
    """A KPI unit in the UI language (the engine's Vietnamese units: ``trên 100.000 dân``)."""
    return engine_i18n.unit(unit, current_language())
