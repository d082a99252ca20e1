"""Trees that break naive scanners: symlink graphs, deep nesting, names and content in other encodings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.test_scan_cli import invoke
from tests.helpers import AWS_KEY_ID


def test_symlink_graph_walks_each_real_folder_once(tmp_path: Path) -> None:
    # d0/{a,b} -> d1, d1/{a,b} -> d2, ...: 2**29 paths, 30 real folders
    for i in range(30):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "f.env").write_text(f"K{i}={AWS_KEY_ID}\n" if i == 29 else "nothing\n")
    for i in range(29):
        for name in ("a", "b"):
            os.symlink(f"../d{i + 1}", tmp_path / f"d{i}" / name)
    code, out, _ = invoke(["scan", str(tmp_path / "d0"), "--format", "json", "--no-progress", "-j", "1"])
    assert code == 1
    assert [f["rule_id"] for f in json.loads(out)] == ["aws-access-key-id"]  # found once, not 2**29 times


def test_deep_nesting_needs_no_recursion(tmp_path: Path) -> None:
    here = os.getcwd()
    try:
        os.chdir(tmp_path)
        for _ in range(1200):
            os.mkdir("n")
            os.chdir("n")
        Path("k.env").write_text(f"K={AWS_KEY_ID}\n")
    finally:
        os.chdir(here)
    try:
        code, out, err = invoke(["scan", str(tmp_path), "--format", "json", "--no-progress"])
        assert code == 1, err
        (f,) = json.loads(out)
        assert f["path"].count("/n") == 1200
    finally:
        _remove_deep(tmp_path)


def _remove_deep(root: Path) -> None:
    """Bottom up without recursion (shutil.rmtree, and so pytest's clean-up, recurses per level)."""
    here = os.getcwd()
    try:
        os.chdir(root)
        depth = 0
        while os.path.isdir("n"):
            os.chdir("n")
            depth += 1
        for name in os.listdir("."):
            os.unlink(name)
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("n")
    finally:
        os.chdir(here)


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv", "sarif"])
def test_non_utf8_names_and_content_reach_every_report_format(tmp_path: Path, fmt: str) -> None:
    root = tmp_path / "t"
    root.mkdir()
    name = os.fsdecode(b"caf\xe9.env")
    (root / name).write_bytes(b"# r\xe9sum\xe9\nK=" + AWS_KEY_ID.encode() + b"\n")
    out_file = tmp_path / f"report.{fmt}"
    code, _, err = invoke(["scan", str(root), "--format", fmt, "-o", str(out_file), "--no-progress"])
    assert code == 1, err
    data = out_file.read_bytes()
    text = data.decode("utf-8")  # valid UTF-8 whatever the names
    if fmt in ("json", "jsonl"):
        (f,) = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
        assert os.fsencode(f["path"]).endswith(b"caf\xe9.env")  # the name round-trips to its own bytes
    elif fmt == "sarif":
        uri = json.loads(text)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert uri["uri"].endswith("caf%E9.env")
    else:
        assert "caf\\xe9.env" in text
