"""People: one real person per resident ID number, whatever registers they appear in."""

from __future__ import annotations

from typing import Any

from unioncli.ids import ResidentId
from unioncli.pinyin import name_keys


def person_fields(rid: ResidentId, name: str) -> dict[str, Any]:
    """The columns of a new ``person`` row that follow from the ID number and the name."""
    pinyin, initials = name_keys(name)
    return {
        "id_number": rid.number,
        "id_rev": rid.number[::-1],  # "find by the last digits" as an indexed prefix search
        "name": name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "gender": rid.gender,
        "birth_date": rid.birth_date,
    }
