import pytest

from bot.core import Kindred
from bot.testing import settings_for_tests
from bot.vault import Vault, VaultError, decode_key, generate_key


def test_sealed_text_opens_only_with_its_key_and_context():
    vault = Vault(decode_key(generate_key()))
    token = vault.seal("my reasons to stay", "crisis.plan")
    assert "reasons" not in token
    assert vault.open(token, "crisis.plan") == "my reasons to stay"
    with pytest.raises(VaultError):
        vault.open(token, "checkins.note")
    with pytest.raises(VaultError):
        Vault(decode_key(generate_key())).open(token, "crisis.plan")


async def test_startup_stops_clearly_without_the_key_once_sealed_data_exists(tmp_path):
    settings = settings_for_tests(tmp_path)
    bot = Kindred(settings)
    await bot.open_storage()
    await bot.db.close()
    (tmp_path / "kindred.key").unlink()
    bot = Kindred(settings)
    with pytest.raises(VaultError, match="no data key was found"):
        await bot.open_storage()
    await bot.db.close()
    (tmp_path / "kindred.key").write_text(generate_key())
    bot = Kindred(settings)
    with pytest.raises(VaultError, match="does not match"):
        await bot.open_storage()
    await bot.db.close()
