"""Archives inside scanned trees: zip family, tar, compressed single files, nested, bounded, never
extracted; findings named by their chain (`release.zip!lib/app.jar!config/app.properties`)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.cli.test_scan_cli import invoke
from tests.helpers import AWS_KEY_ID, AWS_SECRET, GITHUB_PAT

CREDS = f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
TOKEN = f"# deploy\nexport GITHUB_TOKEN={GITHUB_PAT}\n"


def zip_bytes(members: dict[str, bytes | str], encrypted: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    for name in encrypted:  # set the "encrypted" flag bit in the member's local and central headers
        for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = 0
            while (at := raw.find(sig, start)) >= 0:
                name_at = at + (30 if sig == b"PK\x03\x04" else 46)
                if raw[name_at:name_at + len(name)] == name.encode():
                    raw[at + flag_at] |= 0x1
                start = at + 4
    return bytes(raw)


def tar_bytes(members: dict[str, bytes | str], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def scan(tree: Path, *extra: str) -> tuple[int, list[dict], str]:
    code, out, err = invoke(["scan", "--format", "json", "--no-progress", *extra, str(tree)])
    return code, json.loads(out) if out.strip() else [], err


def where(found: list[dict], tree: Path) -> set[tuple[str, str, int]]:
    return {(f["rule_id"], os.path.relpath(f["path"], tree), f["line"]) for f in found}


def test_zip_family_members_are_scanned_under_their_chain(tmp_path: Path) -> None:
    jar = zip_bytes({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n", "config/app.properties": CREDS,
                     "com/acme/App.class": b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(200)})
    (tmp_path / "release.zip").write_bytes(zip_bytes({"lib/app.jar": jar, "README.txt": "hello\n"}))
    (tmp_path / "pkg-1.0-py3-none-any.whl").write_bytes(zip_bytes({"pkg/settings.sh": TOKEN}))
    code, found, err = scan(tmp_path)
    assert code == 1, err
    got = where(found, tmp_path)
    assert ("aws-access-key-id", "release.zip!lib/app.jar!config/app.properties", 1) in got
    assert ("github-pat-classic", "pkg-1.0-py3-none-any.whl!pkg/settings.sh", 2) in got
    assert "App.class" not in err  # binary members are passed over quietly


@pytest.mark.parametrize(("name", "mode"), [("bundle.tar.gz", "w:gz"), ("bundle.tar.bz2", "w:bz2"),
                                            ("bundle.tar.xz", "w:xz"), ("bundle.tar", "w")])
def test_tar_files_plain_and_compressed(tmp_path: Path, name: str, mode: str) -> None:
    (tmp_path / name).write_bytes(tar_bytes({"etc/deploy.sh": TOKEN}, mode))
    code, found, _ = scan(tmp_path)
    assert code == 1
    assert where(found, tmp_path) == {("github-pat-classic", f"{name}!etc/deploy.sh", 2)}


@pytest.mark.parametrize(("name", "pack"), [("dump.sql.gz", gzip.compress), ("dump.sql.bz2", bz2.compress),
                                            ("dump.sql.xz", lzma.compress)])
def test_single_compressed_files(tmp_path: Path, name: str, pack: object) -> None:
    (tmp_path / name).write_bytes(pack(TOKEN.encode()))  # type: ignore[operator]
    code, found, _ = scan(tmp_path)
    assert code == 1
    assert where(found, tmp_path) == {("github-pat-classic", f"{name}!dump.sql", 2)}


def test_no_archives_turns_it_off(tmp_path: Path) -> None:
    (tmp_path / "release.zip").write_bytes(zip_bytes({"deploy.sh": TOKEN}))
    code, found, _ = scan(tmp_path, "--no-archives")
    assert code == 0 and found == []


def test_nesting_is_bounded_by_the_depth(tmp_path: Path) -> None:
    inner = zip_bytes({"deploy.sh": TOKEN})
    (tmp_path / "outer.zip").write_bytes(zip_bytes({"middle.zip": zip_bytes({"inner.zip": inner})}))
    code, found, err = scan(tmp_path)
    assert code == 1 and where(found, tmp_path) == {
        ("github-pat-classic", "outer.zip!middle.zip!inner.zip!deploy.sh", 2)}
    code, found, err = scan(tmp_path, "--archive-depth", "2", "-v")
    assert code == 0 and found == []
    assert "outer.zip!middle.zip!inner.zip: archive nested deeper than --archive-depth (2)" in err


def test_a_bomb_costs_a_warning_and_the_rest_is_read(tmp_path: Path) -> None:
    bomb = zip_bytes({"zeros.bin": bytes(30 * 1024 * 1024), "deploy.sh": TOKEN})
    assert len(bomb) < 100_000
    (tmp_path / "bomb.zip").write_bytes(bomb)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(b"A" * (30 * 1024 * 1024)))
    code, found, err = scan(tmp_path)  # a warning: said without -v
    assert code == 1
    assert where(found, tmp_path) == {("github-pat-classic", "bomb.zip!deploy.sh", 2)}
    assert "bomb.zip!zeros.bin: compression ratio" in err and "bomb.gz: compression ratio" in err


def test_the_decompressed_budget_bounds_an_archive(tmp_path: Path) -> None:
    (tmp_path / "big.zip").write_bytes(zip_bytes({"a.sh": TOKEN, "b.txt": os.urandom(4096).hex()}))
    code, found, err = scan(tmp_path, "--archive-max-bytes", "2KB")
    assert "big.zip: more than 2048 decompressed bytes" in err  # part of the archive went unread: a warning
    assert ("github-pat-classic", "big.zip!a.sh", 2) in where(found, tmp_path)  # read before the budget ran out


def test_encrypted_and_corrupt_archives_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "locked.zip").write_bytes(zip_bytes({"secret.txt": TOKEN, "open.sh": TOKEN},
                                                    encrypted=("secret.txt",)))
    (tmp_path / "broken.zip").write_bytes(zip_bytes({"x.sh": TOKEN})[:40])
    (tmp_path / "plain.sh").write_text(TOKEN)
    code, found, err = scan(tmp_path)
    assert code == 1
    assert where(found, tmp_path) == {("github-pat-classic", "locked.zip!open.sh", 2),
                                      ("github-pat-classic", "plain.sh", 2)}
    assert "broken.zip: corrupt archive" in err and "WARNING" in err  # content lost: said by default
    assert "encrypted member" not in err  # an encrypted member is a note (-v): nothing can be done about it
    code, found, err = scan(tmp_path, "-v")
    assert "locked.zip!secret.txt: encrypted member" in err


def test_hostile_member_paths_are_only_names(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "evil.tar.gz").write_bytes(tar_bytes({"../../escaped.sh": TOKEN, "/abs/also.sh": TOKEN}))
    code, found, _ = scan(tree)
    assert code == 1
    assert {f["path"].removeprefix(f"{tree}/") for f in found} == {"evil.tar.gz!../../escaped.sh",
                                                                    "evil.tar.gz!/abs/also.sh"}
    assert not (tmp_path / "escaped.sh").exists() and sorted(os.listdir(tree)) == ["evil.tar.gz"]


def test_an_archive_larger_than_the_file_size_limit_is_still_opened(tmp_path: Path) -> None:
    blob = os.urandom(11 * 1024 * 1024)  # incompressible: the archive is over the 10 MB file limit
    (tmp_path / "assets.zip").write_bytes(zip_bytes({"img.bin": blob, "conf/deploy.sh": TOKEN}))
    assert (tmp_path / "assets.zip").stat().st_size > 10 * 1024 * 1024
    code, found, _ = scan(tmp_path)
    assert code == 1 and where(found, tmp_path) == {("github-pat-classic", "assets.zip!conf/deploy.sh", 2)}


def test_archives_added_to_git_history_are_opened_with_archives(tmp_path: Path) -> None:
    from tests.git.builder import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("dist/release.zip", zip_bytes({"conf/deploy.sh": TOKEN}))
    first = repo.commit("add release")
    repo.write("dist/release.zip", zip_bytes({"conf/deploy.sh": "export GITHUB_TOKEN=$TOKEN\n"}))
    repo.commit("clean release")
    code, out, err = invoke(["git", str(repo.path), "--format", "json", "--no-progress", "--archives"])
    assert code == 1, err
    [f] = json.loads(out)
    assert (f["path"], f["line"], f["commit"]) == ("dist/release.zip!conf/deploy.sh", 2, first)
    code, out, _ = invoke(["git", str(repo.path), "--format", "json", "--no-progress"])
    assert code == 0 and json.loads(out) == []


def test_an_archive_over_the_file_size_limit_in_history_is_still_opened(tmp_path: Path) -> None:
    from tests.git.builder import GitRepo

    repo = GitRepo(tmp_path / "repo")
    noise = os.urandom(8192).hex()  # incompressible: the zip is well over 4 KB
    repo.write("dist/bundle.jar", zip_bytes({"app.properties": TOKEN, "noise.txt": noise}))
    repo.write("dist/blob.bin", b"\0" + os.urandom(8192))  # over the limit and not an archive
    commit = repo.commit("add bundle")
    code, out, err = invoke(["git", str(repo.path), "--format", "json", "--no-progress", "--archives",
                             "--max-file-size", "4KB"])
    assert code == 1, err
    assert [(f["path"], f["commit"]) for f in json.loads(out)] == [("dist/bundle.jar!app.properties", commit)]
    assert "dist/blob.bin in commit" in err and "over --max-file-size" in err


def test_sarif_carries_the_warnings_as_tool_notifications(tmp_path: Path) -> None:
    import json

    from tests.cloud.runcli import keysweep

    (tmp_path / "broken.zip").write_bytes(zip_bytes({"x.sh": TOKEN})[:40])
    (tmp_path / "plain.sh").write_text(TOKEN)
    code, out, _ = keysweep("scan", str(tmp_path), "--format", "sarif", "--no-progress")
    [invocation] = json.loads(out)["runs"][0]["invocations"]
    notes = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert code == 1 and invocation["executionSuccessful"] is True
    assert any("broken.zip: corrupt archive" in n for n in notes), notes
    assert all(n.get("level") == "warning" for n in invocation["toolExecutionNotifications"])
    assert TOKEN not in json.dumps(invocation)
