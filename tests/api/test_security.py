import hashlib
import logging
import os
import threading
from datetime import UTC, datetime

import pytest

from touchpath.api.security import (
    AmbiguousKeyError,
    KeyFileError,
    KeyStore,
    LabelInUseError,
    NoSuchKeyError,
    Role,
    create_key,
    hash_key,
    read_keys,
    revoke_keys,
    secure_permissions,
)

D1, D2, D3 = (hashlib.sha256(s.encode()).hexdigest() for s in ("one", "two", "three"))


def test_create_key_stores_only_the_sha256_digest_and_the_created_time(tmp_path):
    path = tmp_path / "keys"
    before = datetime.now(UTC).replace(microsecond=0)
    key = create_key(path, "write", "ci-bot")
    after = datetime.now(UTC)
    line = path.read_text().strip()
    digest, role, created, label = line.split(" ")
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert (role, label) == ("write", "ci-bot")
    stamp = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= stamp <= after
    assert key not in path.read_text()
    assert (path.stat().st_mode & 0o777) == 0o600
    (stored,) = read_keys(path)
    assert stored.created == stamp and stored.key_id == digest[:12]


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
    ["abc read x", f"{'0' * 64} admin x", f"{'0' * 64}",
     f"{'0' * 64} read 2026-13-40T00:00:00Z bad-date"],
)
def test_malformed_key_lines_name_file_and_line(tmp_path, line):
    path = tmp_path / "keys"
    path.write_text(f"# comment\n\n{line}\n")
    with pytest.raises(KeyFileError, match=rf"keys file {path}, line 3: ") as err:
        KeyStore(path).load()
    assert err.value.line == 3 and err.value.path == path


def test_hand_written_line_is_accepted(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{hash_key('secret').upper()} READ finance team\n")
    key = KeyStore(path).lookup("secret")
    assert key.role is Role.read and key.label == "finance team" and key.created is None


def test_old_lines_without_created_time_still_load(tmp_path):
    path = tmp_path / "keys"
    # Three fields (the old format), two fields (no label), a label that looks like a
    # time on a three-field line, and a new four-field line.
    path.write_text(f"{D1} read analyst\n{D2} write\n{D3} read 2026-01-02T03:04:05Z\n"
                    f"{hash_key('k')} write 2026-01-02T03:04:05Z loader\n")
    keys = read_keys(path)
    assert [(k.label, k.role.value, k.created_text) for k in keys] == [
        ("analyst", "read", None), ("", "write", None), ("2026-01-02T03:04:05Z", "read", None),
        ("loader", "write", "2026-01-02T03:04:05Z")]
    assert keys[3].created == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert [k.key_id for k in keys[:3]] == [D1[:12], D2[:12], D3[:12]]
    assert KeyStore(path).lookup("k").label == "loader"


def test_create_refuses_a_label_another_key_has(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read analyst\n")
    before = path.read_bytes()
    with pytest.raises(LabelInUseError, match=r"label 'analyst' is already used by key "
                                         rf"{D1[:12]}"):
        create_key(path, "write", "analyst")
    assert path.read_bytes() == before


def test_create_into_a_malformed_file_changes_nothing(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read analyst\n{D2} admin x\n")
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match=r"line 2: role must be read or write"):
        create_key(path, "read", "new")
    assert path.read_bytes() == before


def test_create_appends_after_a_last_line_without_newline(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"# team keys\n{D1} read analyst")
    key = create_key(path, "write", "loader")
    lines = path.read_text().splitlines()
    assert lines[:2] == ["# team keys", f"{D1} read analyst"] and len(lines) == 3
    assert [k.label for k in read_keys(path)] == ["analyst", "loader"]
    assert KeyStore(path).lookup(key).label == "loader"


def test_create_replaces_the_file_instead_of_writing_into_it(tmp_path):
    path = tmp_path / "keys"
    create_key(path, "read", "a")
    old_inode = path.stat().st_ino
    with path.open() as reader:  # a reader that opened the old version keeps seeing it
        create_key(path, "read", "b")
        assert len(reader.read().splitlines()) == 1
    assert path.stat().st_ino != old_inode
    assert len(path.read_text().splitlines()) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]  # no temp file left


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "keys"
    create_key(path, "read", "a")
    before = path.read_bytes()

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(KeyFileError, match=rf"keys file {path}: cannot write: No space left"):
        create_key(path, "read", "b")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]


def test_concurrent_creates_lose_no_key(tmp_path):
    path = tmp_path / "keys"
    made: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                made.append(create_key(path, "read", f"w{n}-{i}"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(read_keys(path)) == 60
    store = KeyStore(path)
    assert all(store.lookup(k) is not None for k in made)


def test_revoke_by_label_removes_only_that_key_and_keeps_other_lines(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"# finance\n{D1} read analyst\n\n{D2} write 2026-01-02T03:04:05Z loader\n")
    (gone,) = revoke_keys(path, label="loader")
    assert (gone.digest, gone.role, gone.label) == (D2, Role.write, "loader")
    assert path.read_text() == f"# finance\n{D1} read analyst\n\n"
    assert (path.stat().st_mode & 0o777) == 0o600


def test_revoke_by_key_id(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read a\n{D2} read b\n")
    (gone,) = revoke_keys(path, key_id=D2[:12].upper())
    assert gone.digest == D2
    assert [k.digest for k in read_keys(path)] == [D1]


def test_revoke_refuses_an_ambiguous_label_unless_all(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read key\n{D2} write key\n{D3} read other\n")
    before = path.read_bytes()
    with pytest.raises(AmbiguousKeyError, match=rf"2 keys have label 'key'.*{D1[:12]}, "
                                                rf"{D2[:12]}") as err:
        revoke_keys(path, label="key")
    assert [k.digest for k in err.value.matches] == [D1, D2]
    assert path.read_bytes() == before
    gone = revoke_keys(path, label="key", all_matches=True)
    assert [k.digest for k in gone] == [D1, D2]
    assert [k.digest for k in read_keys(path)] == [D3]


def test_revoke_without_a_match_changes_nothing(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read a\n")
    before = path.stat()
    with pytest.raises(NoSuchKeyError, match="no key with label 'b'"):
        revoke_keys(path, label="b")
    with pytest.raises(NoSuchKeyError, match="no key with id"):
        revoke_keys(path, key_id=D2[:12])
    with pytest.raises(NoSuchKeyError):
        revoke_keys(tmp_path / "missing", label="a")
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("kwargs", [{}, {"label": "a", "key_id": D1[:12]}, {"key_id": "xyz"},
                                    {"key_id": D1[:6]}])
def test_revoke_needs_one_label_or_a_key_id(tmp_path, kwargs):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read a\n")
    with pytest.raises(ValueError):
        revoke_keys(path, **kwargs)
    assert len(read_keys(path)) == 1


def test_store_refuses_a_revoked_key_without_being_recreated(tmp_path):
    path = tmp_path / "keys"
    keep, drop = create_key(path, "read", "keep"), create_key(path, "read", "drop")
    store = KeyStore(path)
    store.load()
    assert store.lookup(drop) is not None
    revoke_keys(path, label="drop")
    assert store.lookup(drop) is None
    assert store.lookup(keep).label == "keep"


def test_store_notices_a_replacement_with_same_size_and_mtime(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"{D1} read a\n")
    store = KeyStore(path)
    assert [k.digest for k in store.load()] == [D1]
    old = path.stat()
    new = tmp_path / "keys.new"
    new.write_text(f"{D2} read a\n")
    os.utime(new, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(new, path)
    assert path.stat().st_size == old.st_size and path.stat().st_mtime_ns == old.st_mtime_ns
    assert [k.digest for k in store.keys()] == [D2]


def test_store_keeps_last_good_keys_when_the_file_turns_malformed(tmp_path, caplog):
    path = tmp_path / "keys"
    key = create_key(path, "read", "analyst")
    store = KeyStore(path)
    store.load()
    good = path.read_text()
    path.write_text(good + "this line is broken\n")
    with caplog.at_level(logging.ERROR, logger="touchpath.keys"):
        for _ in range(3):
            assert store.lookup(key).label == "analyst"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1  # logged once per bad version, not per request
    assert f"keys file {path}, line 2" in errors[0].getMessage()
    assert "still using the 1 key(s) read before" in errors[0].getMessage()
    # Fixed again (and with a second key): picked up.
    other = create_key(tmp_path / "other", "write", "x")
    path.write_text(good + (tmp_path / "other").read_text())
    assert store.lookup(other).role is Role.write


def test_store_keeps_last_good_keys_when_the_file_cannot_be_read(tmp_path, monkeypatch, caplog):
    path = tmp_path / "keys"
    key = create_key(path, "read", "analyst")
    store = KeyStore(path)
    store.load()
    path.write_text(path.read_text() + "\n")  # a new version ...
    real_open = os.open

    def refuse(p, *args, **kwargs):
        if os.fspath(p) == os.fspath(path):
            raise PermissionError(13, "Permission denied")
        return real_open(p, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)  # ... that cannot be opened
    with caplog.at_level(logging.ERROR, logger="touchpath.keys"):
        assert store.lookup(key).label == "analyst"
    assert "cannot read: Permission denied" in caplog.text


def test_loose_permissions_are_tightened_at_start_with_a_warning(tmp_path, caplog):
    path = tmp_path / "keys"
    create_key(path, "read", "a")
    path.chmod(0o664)
    with caplog.at_level(logging.WARNING, logger="touchpath.keys"):
        assert len(KeyStore(path).load()) == 1
    assert (path.stat().st_mode & 0o777) == 0o600
    assert f"keys file {path}: mode was 0664" in caplog.text and "changed to 0600" in caplog.text
    assert secure_permissions(path) is None  # nothing left to do


def test_loose_permissions_of_a_file_of_another_user_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "keys"
    create_key(path, "read", "a")
    path.chmod(0o644)
    monkeypatch.setattr(os, "geteuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(KeyFileError, match=r"mode 0644 lets group or others read or write "
                                           r"it, and it belongs to uid"):
        KeyStore(path).load()
    assert (path.stat().st_mode & 0o777) == 0o644


def test_loose_permissions_that_cannot_be_changed_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "keys"
    create_key(path, "read", "a")
    path.chmod(0o640)

    def read_only_fs(p, mode):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "chmod", read_only_fs)
    with pytest.raises(KeyFileError, match=r"mode 0640 .* cannot be changed to 0600: "
                                           r"Read-only file system"):
        KeyStore(path).load()


def test_a_directory_as_keys_file_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "keys.d"
    folder.mkdir(mode=0o755)
    with pytest.raises(KeyFileError, match=rf"keys file {folder}: not a regular file"):
        KeyStore(folder).load()
    assert (folder.stat().st_mode & 0o777) == 0o755


def test_a_symlinked_keys_file_is_changed_where_it_points(tmp_path):
    real = tmp_path / "real.keys"
    link = tmp_path / "link.keys"
    create_key(real, "read", "a")
    link.symlink_to(real)
    key = create_key(link, "read", "b")
    revoke_keys(link, label="a")
    assert link.is_symlink()
    assert [k.label for k in read_keys(real)] == ["b"]
    assert KeyStore(link).lookup(key).label == "b"


def test_missing_file_means_no_keys_and_is_no_error(tmp_path):
    store = KeyStore(tmp_path / "none")
    assert store.load() == () and store.lookup("tp_x") is None


@pytest.mark.parametrize("role,label", [("admin", "x"), ("read", "has space"), ("read", "")])
def test_create_key_rejects_bad_role_or_label(tmp_path, role, label):
    with pytest.raises(ValueError):
        create_key(tmp_path / "keys", role, label)
    assert not (tmp_path / "keys").exists()
