import hashlib

import pytest

from api.security import KeyFileError, KeyStore, Role, create_key, hash_key


def test_create_key_stores_only_the_sha256_digest(tmp_path):
    path = tmp_path / "keys"
    key = create_key(path, "write", "ci-bot")
    line = path.read_text().strip()
    digest, role, label = line.split(" ")
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert (role, label) == ("write", "ci-bot")
    assert key not in path.read_text()
    assert (path.stat().st_mode & 0o777) == 0o600


def test_two_keys_differ_and_both_resolve(tmp_path):
    path = tmp_path / "keys"
    k1, k2 = create_key(path, "read"), create_key(path, "write", "w")
    assert k1 != k2 and len(k1) > 40
    store = KeyStore(path)
    assert store.lookup(k1).role is Role.read
    assert store.lookup(k2).role is Role.write
    assert store.lookup(k1 + "x") is None
    assert store.lookup("") is None


def test_store_rereads_file_when_a_key_is_added(tmp_path):
    path = tmp_path / "keys"
    store = KeyStore(path)
    assert store.keys() == ()
    key = create_key(path, "read")
    assert store.lookup(key) is not None


def test_write_implies_read_but_not_the_reverse():
    assert Role.write.allows(Role.read) and Role.write.allows(Role.write)
    assert Role.read.allows(Role.read) and not Role.read.allows(Role.write)


@pytest.mark.parametrize(
    "line",
    ["abc read x", f"{'0' * 64} admin x", f"{'0' * 64}"],
)
def test_malformed_key_lines_name_file_and_line(tmp_path, line):
    path = tmp_path / "keys"
    path.write_text(f"# comment\n\n{line}\n")
    with pytest.raises(KeyFileError, match=r"keys:3"):
        KeyStore(path).keys()


def test_hand_written_line_is_accepted(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{hash_key('secret').upper()} READ finance team\n")
    key = KeyStore(path).lookup("secret")
    assert key.role is Role.read and key.label == "finance team"


@pytest.mark.parametrize("role,label", [("admin", "x"), ("read", "has space"), ("read", "")])
def test_create_key_rejects_bad_role_or_label(tmp_path, role, label):
    with pytest.raises(ValueError):
        create_key(tmp_path / "keys", role, label)
    assert not (tmp_path / "keys").exists()
