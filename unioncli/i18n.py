"""Labels and messages in Chinese (default) and English.

Modules own their messages: each calls ``register({...})`` with ``{key: (zh, en)}`` entries at import
time. ``t(key, **params)`` formats the message in the current language, which the CLI sets from
``--lang`` / ``UNIONCLI_LANG``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

LANGS = ("zh", "en")
_current: str | None = None
_MESSAGES: dict[str, tuple[str, str]] = {}
_FIELDS: dict[str, tuple[str, str]] = {}


def register(messages: dict[str, tuple[str, str]]) -> None:
    for key in messages:
        if key in _MESSAGES and _MESSAGES[key] != messages[key]:
            raise ValueError(f"i18n key registered twice with different text: {key}")
    _MESSAGES.update(messages)


def register_fields(fields: dict[str, tuple[str, str]]) -> None:
    _FIELDS.update(fields)


def get_lang() -> str:
    if _current is not None:
        return _current
    env = os.environ.get("UNIONCLI_LANG", "").strip().lower()
    return "en" if env.startswith("en") else "zh"


def set_lang(lang: str | None) -> None:
    global _current
    if lang is None:
        _current = None
        return
    lang = lang.strip().lower()
    _current = "en" if lang.startswith("en") else "zh"


def t(key: str, lang: str | None = None, **params: Any) -> str:
    pair = _MESSAGES.get(key)
    if pair is None:
        return key if not params else f"{key} {params}"
    text = pair[1] if (lang or get_lang()) == "en" else pair[0]
    return text.format(**params) if params else text


def join(items: Iterable[str], lang: str | None = None) -> str:
    """A list the way each language writes it: 甲、乙、丙 / a, b, c."""
    return (", " if (lang or get_lang()) == "en" else "、").join(items)


def field_label(key: str, lang: str | None = None) -> str:
    pair = _FIELDS.get(key)
    if pair is None:
        return key
    return pair[1] if (lang or get_lang()) == "en" else pair[0]


register_fields(
    {
        "name": ("姓名", "name"),
        "id_number": ("身份证号", "ID number"),
        "gender": ("性别", "gender"),
        "ethnicity": ("民族", "ethnicity"),
        "birth_date": ("出生日期", "birth date"),
        "phone": ("手机号", "phone"),
        "education": ("学历", "education"),
        "employer": ("工作单位", "employer"),
        "org": ("所属工会", "union"),
        "joined": ("入会日期", "joined"),
        "joined_on": ("入会日期", "joined"),
        "status_since": ("状态日期", "status since"),
        "org_id": ("所属工会编号", "union no."),
        "card_no": ("会员卡号", "card no."),
        "migrant": ("是否农民工", "migrant worker"),
        "gig_group": ("新就业形态群体", "gig group"),
        "political_status": ("政治面貌", "political status"),
        "hukou": ("户籍类型", "hukou"),
        "status": ("状态", "status"),
        "date": ("日期", "date"),
        "reason": ("原因", "reason"),
        "uscc": ("统一社会信用代码", "USCC"),
        "org_name": ("工会名称", "union name"),
        "org_uscc": ("工会统一社会信用代码", "union USCC"),
        "employer_uscc": ("单位统一社会信用代码", "employer USCC"),
        "org_type": ("工会类型", "union type"),
        "township": ("所属乡镇", "township"),
        "founded": ("成立日期", "founded"),
        "chair": ("工会主席", "chair"),
        "org_employer": ("单位名称", "employer"),
        "org_phone": ("联系电话", "phone"),
        "amount": ("金额", "amount"),
        "month": ("月份", "month"),
        "yes_no": ("是/否", "yes/no"),
        "year": ("年度", "year"),
    }
)

register(
    {
        "error.invalid_value": (
            "{field}“{value}”无效：{reason}",
            "{field} “{value}” is invalid: {reason}",
        ),
        "error.missing_fields": ("缺少必填项：{fields}", "missing required fields: {fields}"),
        "error.internal": (
            "内部错误（{kind}）。未写入任何数据；设置 UNIONCLI_DEBUG=1 可查看详情。",
            "internal error ({kind}). Nothing was written; set UNIONCLI_DEBUG=1 for details.",
        ),
    }
)
