"""The diff parser on plain values: records, paths, added lines and their numbers."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from scanner.sources.gitcmd import unquote_path
from scanner.sources.gitdiff import (
    added_lines,
    numbering,
    parse_section,
    records,
    removed_lines,
)

PLAIN = b"""diff --git a/app/settings.py b/app/settings.py
index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644
--- a/app/settings.py
+++ b/app/settings.py
@@ -2,0 +3,2 @@ import os
 context_before = 1
+token = "abc"
+other = 2
@@ -9,2 +11,1 @@ def f():
 keep = 3
-old = 1
-old2 = 2
+new = 3
 after = 4
"""

COMBINED = b"""diff --combined deploy/db.yml
index %s,%s..%s
--- a/deploy/db.yml
+++ b/deploy/db.yml
@@@ -3,1 -3,1 +3,4 @@@ database:
   host: db
 + port: 5432
+ user: app
++  password: hunter2secret
--gone
""" % (b"3" * 40, b"4" * 40, b"5" * 40)


def test_plain_section_gives_shown_lines_numbers_and_added_marks() -> None:
    fd = parse_section(PLAIN.rstrip(b"\n"))
    assert fd.path == "app/settings.py"
    assert fd.old_blobs == ("1" * 40,) and fd.new_blob == "2" * 40
    assert fd.text.split("\n") == ["context_before = 1", 'token = "abc"', "other = 2", "keep = 3", "new = 3",
                                   "after = 4"]
    assert numbering(fd)[0] == (3, 4, 5, 11, 12, 13)
    assert added_lines(fd) == {4, 5, 12}
    assert fd.removals and not fd.binary and not fd.new_file
    assert removed_lines(PLAIN) == [b"old = 1", b"old2 = 2"]


def test_combined_section_keeps_only_lines_new_to_every_parent() -> None:
    fd = parse_section(COMBINED.rstrip(b"\n"))
    assert fd.combined and fd.path == "deploy/db.yml"
    assert fd.old_blobs == ("3" * 40, "4" * 40)
    rows = dict(zip(numbering(fd)[0], fd.text.split("\n"), strict=True))
    assert rows == {3: " host: db", 4: " port: 5432", 5: "user: app", 6: "  password: hunter2secret"}
    assert added_lines(fd) == {6}
    assert removed_lines(COMBINED) == [b"gone"]


def test_paths_quoted_with_spaces_and_renames() -> None:
    quoted = parse_section(b'diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"\nnew file mode 100644\n'
                           b"index 0000000000000000000000000000000000000000..1111111111111111111111111111111111111111\n"
                           b'--- /dev/null\n+++ "b/caf\\303\\251.txt"\n@@ -0,0 +1 @@\n+x')
    assert (quoted.path, quoted.new_file, quoted.old_blobs) == ("café.txt", True, ())
    spaced = parse_section(b"diff --git a/my file.txt b/my file.txt\n--- a/my file.txt\t\n+++ b/my file.txt\t\n"
                           b"@@ -1 +1 @@\n-a\n+b")
    assert spaced.path == "my file.txt"
    bad = parse_section(b'diff --git "a/bad\\377.txt" "b/bad\\377.txt"\n--- a/x\n+++ "b/bad\\377.txt"\n@@ -1 +1 @@\n+z')
    assert bad.path == "bad\ufffd.txt" and not bad.path_ok
    renamed = parse_section(b"diff --git a/old name.py b/new name.py\nsimilarity index 100%\n"
                            b"rename from old name.py\nrename to new name.py")
    assert renamed.path == "new name.py" and renamed.text == ""
    binary = parse_section(b"diff --git a/logo.png b/logo.png\nindex " + b"1" * 40 + b".." + b"2" * 40
                           + b" 100644\nBinary files a/logo.png and b/logo.png differ")
    assert binary.binary and binary.path == "logo.png" and binary.new_blob == "2" * 40


def test_non_utf8_content_is_flagged() -> None:
    fd = parse_section(b"diff --git a/l.txt b/l.txt\n--- a/l.txt\n+++ b/l.txt\n@@ -0,0 +1 @@\n+caf\xe9 = 1")
    assert not fd.text_ok and fd.text == "caf\ufffd = 1"


def test_records_split_commits_and_files_across_read_blocks() -> None:
    stream = b"\x01" + b"a" * 40 + b"\n\n" + PLAIN + b"\x01" + b"b" * 40 + b"\n\n" + COMBINED
    for block in (7, 64, 1 << 20):
        recs = list(records(io.BytesIO(stream), block=block))
        assert [r[:41] for r in recs] == [b"\x01" + b"a" * 40, PLAIN[:41], b"\x01" + b"b" * 40, COMBINED[:41]]
        assert numbering(parse_section(recs[1]))[0] == (3, 4, 5, 11, 12, 13)


@given(st.binary(min_size=0, max_size=40))
def test_unquote_inverts_git_c_quoting(raw: bytes) -> None:
    specials = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 34: '"', 92: "\\"}
    out = ['"']
    for b in raw:
        if b in specials:
            out.append("\\" + specials[b])
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:03o}")
        else:
            out.append(chr(b))
    out.append('"')
    assert unquote_path("".join(out).encode()) == raw
