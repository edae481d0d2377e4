"""Files the console writes for a member are theirs alone and go when their data goes (issue 16, item 8).
Checked on the raw folder, as an operator would look at it."""

from __future__ import annotations

import stat


def files_in(console) -> list:
    return sorted(p for p in console.adapter.files_dir.rglob("*") if p.is_file())


async def test_my_export_and_chart_are_readable_by_the_bot_account_only(console):
    await console.as_member("carol")
    await console.type(
        "!checkin start 20:00 UTC", "1", "!checkin now", "4", "2", "1", "Walk after dinner", "ok"
    )
    await console.type("!mydata", "!checkin history")
    written = files_in(console)
    assert {p.name.split("-", 2)[-1] for p in written} == {"kindred-my-data.json", "checkin-history.png"}
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent
    assert "Walk after dinner" in next(p for p in written if p.suffix == ".json").read_text()


async def test_forgetme_deletes_every_file_written_for_me_and_nobody_elses(console):
    await console.as_member("dana")
    await console.type("!checkin start 20:00 UTC", "1", "!mydata")
    await console.as_member("carol")
    await console.type(
        "!checkin start 20:00 UTC", "1", "!checkin now", "4", "2", "1", "Walk after dinner", "ok"
    )
    await console.type("!mydata", "!checkin history")
    assert len(files_in(console)) == 3

    assert "Everything Kindred held about you is erased" in await console.type("!forgetme", "1")
    left = files_in(console)
    assert [p.parent.name for p in left] == ["dana"]
    assert not any("Walk after dinner" in p.read_text(errors="ignore") for p in left)


async def test_leaving_a_feature_deletes_the_files_written_for_me(console):
    await console.as_member("carol")
    await console.type("!checkin start 20:00 UTC", "1", "!mydata", "!checkin history")
    assert len(files_in(console)) == 2
    assert "You have left check-ins" in await console.type("!optout check-ins")
    assert files_in(console) == []
