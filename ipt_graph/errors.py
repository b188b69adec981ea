"""Every exception ipt_graph raises, under one base class.

::

    IptGraphError
    ├── ValidationError (ValueError)     a record breaks the data model; holds every Problem
    ├── CaseFileError (ValueError)       a file is not a readable ipt-graph case file
    │   └── VersionError                 written by a newer ipt_graph than this one
    ├── NotFoundError (LookupError)      an id, session or name the record does not hold
    └── SaveError (OSError)              a file could not be written; the old one is intact

Messages name the record, the field and the allowed values. They never contain a person's
label, notes or any other text a user typed: only ids, session numbers and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CaseFileError",
    "IptGraphError",
    "NotFoundError",
    "Problem",
    "SaveError",
    "ValidationError",
    "VersionError",
]


class IptGraphError(Exception):
    """Base class of every error raised by ipt_graph."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record.

    ``record`` locates it (``"ratings[3] (session 6, person p4)"``), ``field`` names the
    field (empty for the record as a whole) and ``message`` says what is allowed.
    """

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.record}: {self.field}" if self.field else self.record
        return f"{where}: {self.message}" if where else self.message


class ValidationError(IptGraphError, ValueError):
    """A record, or a file of records, breaks the data model.

    ``problems`` holds every problem found, not only the first; ``source`` names the file.
    """

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        super().__init__(str(self))

    def lines(self) -> list[str]:
        """One line per problem, prefixed with the file name when there is one."""
        prefix = f"{self.source}: " if self.source else ""
        return [f"{prefix}{problem}" for problem in self.problems]

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''}"
        if self.source:
            head += f" in {self.source}"
        return head + ":\n" + "\n".join(f"  {p}" for p in self.problems)


class CaseFileError(IptGraphError, ValueError):
    """A file that is not a readable ipt-graph case file (not JSON, wrong format, NaN...)."""


class VersionError(CaseFileError):
    """A case file written by a newer ipt_graph, with a schema version this one cannot read."""


class NotFoundError(IptGraphError, LookupError):
    """An id, session or instrument that the record does not hold."""

    def __str__(self) -> str:  # LookupError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class SaveError(IptGraphError, OSError):
    """A file could not be written. The file that was there before is left as it was."""
