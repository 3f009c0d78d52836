"""Path converters: a path value that cannot name a row answers 404 from the resolver, before
any view or query sees it (a 25-digit id or year is not a database error, it is "not found")."""

from __future__ import annotations


class PkConverter:
    """A row id: a positive whole number that fits a 64-bit column (at most 18 digits)."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class YearConverter:
    """A year of the ATM's work: 2000 to 2100 (the work plan, its progress)."""

    regex = "20[0-9]{2}|2100"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class UbigeoConverter:
    """A district's INEI code: six ASCII digits."""

    regex = "[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class GoalCodeConverter:
    """A PI goal's code, e.g. 2017-M35 (the same pattern as the API's goal lookup)."""

    regex = "[0-9]{4}-M[0-9]{1,3}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)
