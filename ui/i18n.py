"""User interface language: English (the source strings) or Vietnamese (``cityplanner_vi.qm``).

The app's strings go through Qt's translation system (``self.tr`` / ``QCoreApplication.translate``,
context = class name), so Qt Linguist's tools work on ``resources/translations/cityplanner_vi.ts``;
``make translations`` compiles it to the ``.qm`` loaded here. The language is the QSettings value
``ui/language`` ("vi" or "en"), by default the system locale's (``vi_*`` gives Vietnamese); it is
chosen once, at start-up, before any window is built. Names that come from the engine's catalogues
(KPI names, facility types) already carry their Vietnamese (``name_vi``, ``label_vi``) and are
picked with :func:`catalogue_label` instead of being translated twice.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, QSettings, QTranslator

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
