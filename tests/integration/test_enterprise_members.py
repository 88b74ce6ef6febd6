"""The union's list of eligible members: imported from a CSV (dry run first, all rows or
none, only blind indexes kept), and a listed worker's account says which enterprise's
union they belong to."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.members import EnterpriseMember
from app.extensions import db
from tests.helpers import text

GOOD = ("phone,enterprise,sector\n"
        "13800138000,德化县某瓷业有限公司,制造业\n"
        "139 0000 1111,安溪县某茶业公司,农业\n")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(EnterpriseMember)) or 0


def test_import_dry_run_then_for_real_and_the_worker_sees_their_union(app, worker, tmp_path,
                                                                        signed_in):
    path = tmp_path / "members.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["members", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 members of 2 enterprises would be imported" in dry.output
    assert _count() == 0
    done = runner.invoke(args=["members", "import", str(path)])
    assert done.exit_code == 0, done.output
    assert _count() == 2
    # Numbers are kept only as blind indexes.
    assert b"13800138000" not in repr(db.session.scalars(select(EnterpriseMember)).all()
                                      ).encode()
    page = text(signed_in(worker).get("/account/"))
    assert "您是德化县某瓷业有限公司工会会员" in page
    from app.accounts import privacy

    assert privacy.export(worker)["union_membership"]["sector"] == "制造业"


def test_a_bad_row_imports_nothing(app, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(GOOD + "12345,某公司,\n,空号公司,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["members", "import", str(path)])
    assert result.exit_code != 0
    assert "row 4: not a mainland mobile number" in result.output
    assert _count() == 0


def test_a_new_import_replaces_an_enterprises_members(app, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    runner.invoke(args=["members", "import", str(path)])
    path.write_text("phone,enterprise,sector\n13700001234,德化县某瓷业有限公司,制造业\n",
                    encoding="utf-8")
    assert runner.invoke(args=["members", "import", str(path)]).exit_code == 0
    names = sorted(db.session.scalars(select(EnterpriseMember.enterprise)))
    assert names == ["安溪县某茶业公司", "德化县某瓷业有限公司"]
