"""Import and export: the spreadsheets grassroots unions send, in; clean files, out."""

from __future__ import annotations

from unioncli.services.imports.engine import Kind


def kinds() -> dict[str, type[Kind]]:
    """Every kind of import file, by the name used on the command line."""
    from unioncli.services.imports.aid import AidImport
    from unioncli.services.imports.grants import GrantImport
    from unioncli.services.imports.hardship import HardshipImport
    from unioncli.services.imports.members import MemberKind
    from unioncli.services.imports.orgs import OrgKind
    from unioncli.services.imports.stations import (
        StationImport,
        StationLogImport,
        StationRatingImport,
        StationStatusImport,
    )

    return {
        "orgs": OrgKind,
        "members": MemberKind,
        "hardship": HardshipImport,
        "aid": AidImport,
        "grants": GrantImport,
        "stations": StationImport,
        "station-logs": StationLogImport,
        "station-status": StationStatusImport,
        "station-ratings": StationRatingImport,
    }
