"""The nouns of ``unioncli`` and their help, in a module light enough for start-up.

The root command (``cli/__init__.py``) loads a noun's module only when the noun is named, and
lists them all in ``--help`` from this table; each group's module takes its help from here too.
"""

from __future__ import annotations

# noun: (module under unioncli.cli, its Typer app or command function, its help: a group's, which
# its module passes to typer.Typer, or '' for a command, whose help is its docstring)
NOUNS: dict[str, tuple[str, str, str]] = {
    # the two commands first, then the groups, as typer orders them
    "demo": ("demo", "demo", ""),
    "template": ("imports", "template", ""),
    "org": (
        "org",
        "app",
        "基层工会：add / list / show / update / dissolve / merge. Example: unioncli org list",
    ),
    "member": (
        "member",
        "app",
        "会员：add / list / find / show / update，及转接、保留、恢复、退会、除名、死亡、重新入会. "
        "Example: unioncli member find zhangwei",
    ),
    "db": (
        "db",
        "app",
        "台账数据库：upgrade / current / check / backup / restore / copy. Example: unioncli db check",
    ),
    "hardship": (
        "hardship",
        "app",
        "困难职工帮扶档案：建档、复核、走访、退档、重新建档、待办、低保线、公示. "
        "Example: unioncli hardship due",
    ),
    "aid": ("aid", "app", "帮扶记录：登记、查询、冲正. Example: unioncli aid list --year 2024"),
    "grant": (
        "grant",
        "app",
        "金秋助学：标准、预算、申请、审批、发放. Example: unioncli grant round 2024",
    ),
    "station": (
        "station",
        "app",
        "户外劳动者服务站点：登记、达标检查、评级、服务台账. Example: unioncli station list",
    ),
    "import": (
        "imports",
        "import_app",
        "导入基层工会报来的表格（CSV/XLSX），查看和撤销导入批次。"
        "Example: unioncli import members 会员.csv --dry-run",
    ),
    "export": (
        "imports",
        "export_app",
        "导出台账为 CSV/XLSX（默认隐去身份证号和手机号）。"
        "Example: unioncli export members --out 会员.xlsx",
    ),
    "audit": (
        "audit",
        "app",
        "审计日志：list / verify. Example: unioncli audit list --action member",
    ),
    "report": (
        "report",
        "app",
        "年度工作数据：会员、基层工会、困难帮扶、金秋助学、服务站点，与上年同比. "
        "Example: unioncli report year 2024",
    ),
    "privacy": (
        "privacy",
        "app",
        "个人信息保护：purge（按保存期限匿名化已退档档案和已结束的助学记录）. "
        "Example: unioncli privacy purge --before 2020-01-01 --dry-run --reason 保存期满",
    ),
}


def help_of(noun: str) -> str:
    return NOUNS[noun][2]
