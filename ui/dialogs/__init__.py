"""Dialogs: errors, new-project wizard, styles, priority rule, propose sites, scenario comparison."""
