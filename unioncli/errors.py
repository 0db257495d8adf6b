"""The exception family and the exit codes of SPEC §4.1.

Every error a user can cause is a ``UnionCliError``; the CLI's one error boundary turns it into a
single line on stderr and the matching exit code. Messages are looked up in ``i18n`` at the moment
they are shown, so the same error reads in Chinese or English.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    DOMAIN = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    IMPORT_REJECTED = 5


class UnionCliError(Exception):
    """Base of every error a user's action can cause. ``key`` names an ``i18n`` message."""

    exit_code: ExitCode = ExitCode.DOMAIN

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str | None = None) -> str:
        from unioncli import i18n

        return i18n.t(self.key, lang, **self.params)

    def __str__(self) -> str:  # pragma: no cover - only for debugging output
        return self.message()


class DomainError(UnionCliError):
    """A business rule says no."""


class UsageError(UnionCliError):
    exit_code = ExitCode.USAGE


class NotFound(UnionCliError):
    exit_code = ExitCode.NOT_FOUND


class Conflict(UnionCliError):
    """The current state does not allow the change (a status rule, a uniqueness rule)."""

    exit_code = ExitCode.CONFLICT


class InvalidValue(UnionCliError):
    """A value a clerk typed or a file carried is not acceptable.

    ``field`` is a field key (see ``i18n.field_label``), ``value`` the raw text, ``reason`` an
    ``i18n`` message key explaining the cause. When ``sensitive`` is true (ID numbers, phones) the
    value is masked in the message so that no personal data reaches logs or screenshots.
    """

    exit_code = ExitCode.USAGE

    def __init__(
        self, field: str, value: object, reason: str, *, sensitive: bool = False, **params: Any
    ) -> None:
        super().__init__(reason, **params)
        self.field = field
        self.value = "" if value is None else str(value)
        self.reason = reason
        self.sensitive = sensitive

    def reason_text(self, lang: str | None = None) -> str:
        from unioncli import i18n

        return i18n.t(self.reason, lang, **self.params)

    def shown_value(self) -> str:
        if not self.sensitive:
            # a pasted page or a runaway cell is named, not echoed whole
            return self.value if len(self.value) <= 60 else self.value[:60] + "…"
        v = self.value
        if len(v) <= 6:
            return "*" * len(v)
        return v[:3] + "*" * (len(v) - 6) + v[-3:]

    def message(self, lang: str | None = None) -> str:
        from unioncli import i18n

        return i18n.t(
            "error.invalid_value",
            lang,
            field=i18n.field_label(self.field, lang),
            value=self.shown_value(),
            reason=self.reason_text(lang),
        )


class InvalidValues(UnionCliError):
    """Several bad values at once: a clerk fixes them all in one go, not one per attempt."""

    exit_code = ExitCode.USAGE

    def __init__(self, errors: list[InvalidValue]) -> None:
        super().__init__("error.invalid_values")
        self.errors = errors

    def message(self, lang: str | None = None) -> str:
        from unioncli import i18n

        sep = "; " if (lang or i18n.get_lang()) == "en" else "；"
        return sep.join(e.message(lang) for e in self.errors)


class MissingFields(UnionCliError):
    exit_code = ExitCode.USAGE

    def __init__(self, fields: list[str]) -> None:
        super().__init__("error.missing_fields")
        self.fields = fields

    def message(self, lang: str | None = None) -> str:
        from unioncli import i18n

        names = i18n.join((i18n.field_label(f, lang) for f in self.fields), lang)
        return i18n.t("error.missing_fields", lang, fields=names)
