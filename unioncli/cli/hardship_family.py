"""``unioncli hardship family``: a file's family members (档案家庭成员), add and remove; and the
file reference every ``hardship`` command takes."""

from __future__ import annotations

import typer

from unioncli import i18n
from unioncli.cli.common import uow

FileArg = typer.Argument(..., help="档案编号（如 KN2024-00012）、#编号或户主身份证号")

family_app = typer.Typer(
    help="档案家庭成员：add / remove. Example: unioncli hardship family add KN2024-00012 "
    '"李娜,230125199201010114,妻子,800"',
    no_args_is_help=True,
)

i18n.register(
    {
        "hardship.family_count": (
            "档案 {file_no} 现有家庭成员 {count} 人",
            "file {file_no} now has {count} family members",
        ),
    }
)


@family_app.command("add")
def family_add(
    ref: str = FileArg,
    spec: str = typer.Argument(..., help="“姓名,身份证号,关系[,月收入[,健康状况[,身份/学校]]]”"),
) -> None:
    """增加家庭成员. Example: unioncli hardship family add KN2024-00012 "李娜,230125199201010114,妻子,800,健康,城关镇小学\""""
    from unioncli.cli.render import line
    from unioncli.services.hardship.household import add_family_member

    with uow() as work:
        view = add_family_member(work, ref, spec)
        work.commit()
    line(i18n.t("hardship.family_count", file_no=view.file_no, count=len(view.family)))


@family_app.command("remove")
def family_remove(
    ref: str = FileArg,
    id_number: str = typer.Argument(..., help="家庭成员的身份证号"),
) -> None:
    """移除家庭成员（迁出、成家、去世）. Example: unioncli hardship family remove KN2024-00012 230125199201010114"""
    from unioncli.cli.render import line
    from unioncli.services.hardship.household import remove_family_member

    with uow() as work:
        view = remove_family_member(work, ref, id_number)
        work.commit()
    line(i18n.t("hardship.family_count", file_no=view.file_no, count=len(view.family)))
