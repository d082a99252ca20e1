"""Synthetic git repository for the history benchmark, built with `git fast-import`.

The history looks like a working project: a main line with files edited many
times (a few hot files take most edits), feature branches that merge back (some
with conflicts resolved in the merge), branches left unmerged, tags, renames and
deletions, and a few thousand distinct paths. Secrets are planted at known
commits in the places history sweeps tend to miss (removed later, only on a side
branch, only in a tag, added while resolving a merge, in a file later renamed or
deleted, the same secret in two files). A manifest records, for every planted
occurrence, the secret, the introducing commit, the path and the line.

    python -m benchmarks.gitrepo OUT_DIR [--commits 20000] [--seed 7]

writes the repository to OUT_DIR (with a checkout of main) and the manifest to
OUT_DIR.manifest.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from benchmarks.corpus_content import BANKS, fill
from scanner.engine.checksums import github_token_with_checksum

KINDS = ("py", "py", "py", "js", "ts", "go", "java", "rb", "yaml", "yaml", "json", "toml", "md", "sh", "tf", "ini")
EXT = {"py": "py", "js": "js", "ts": "ts", "go": "go", "java": "java", "rb": "rb", "yaml": "yml",
       "json": "json", "toml": "toml", "md": "md", "sh": "sh", "tf": "tf", "ini": "ini"}
DIRS = ("src", "lib", "app", "services", "api", "core", "web", "tools", "internal", "pkg", "deploy", "docs")
AUTHORS = tuple(
    (f"{first} {last}", f"{first.lower()}.{last.lower()}@example.com")
    for first, last in [("Ada", "Moreau"), ("Bo", "Lindqvist"), ("Chen", "Wei"), ("Dara", "Okafor"),
                        ("Eli", "Novak"), ("Fatima", "Haddad"), ("Gus", "Pereira"), ("Hana", "Sato"),
                        ("Ivan", "Petrov"), ("Jo", "Kowalski"), ("Kai", "Nguyen"), ("Lea", "Fischer"),
                        ("Mo", "Rahman"), ("Nia", "Adeyemi"), ("Oli", "Brennan"), ("Pia", "Rossi")]
)
VERBS = ("fix", "add", "update", "refactor", "remove", "tidy", "rename", "document", "speed up", "test")
UPPER32 = string.ascii_uppercase + "234567"
B64 = string.ascii_letters + string.digits + "+/"
ALNUM = string.ascii_letters + string.digits
START = 1_420_070_400  # 2015-01-01


@dataclass
class Plant:
    scenario: str
    rule_id: str
    secret: str
    path: str
    line: int
    mark: int
    present_in_head: bool = False
    commit: str = ""


@dataclass
class Branch:
    name: str
    files: dict[str, tuple[str, ...]]  # full tree state of the branch tip
    base: dict[str, tuple[str, ...]]  # main's tree where the branch started
    tip: int  # mark
    length: int  # commits to make before merging
    made: int = 0
    touched: set[str] = field(default_factory=set)


def rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def aws_pair(rng: random.Random) -> tuple[str, str]:
    return "AKIA" + rand(rng, UPPER32, 16), rand(rng, B64, 40)


def github_pat(rng: random.Random) -> str:
    return github_token_with_checksum(rand(rng, ALNUM, 30))


def private_key(rng: random.Random) -> list[str]:
    body = [rand(rng, B64, 64) for _ in range(12)]
    return ["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"]


def password(rng: random.Random) -> str:
    return rand(rng, ALNUM, 10) + rng.choice("!#%&*-_") + rand(rng, ALNUM, 5)


class Writer:
    """Writes the fast-import stream; tracks marks and the clock."""

    def __init__(self, out: BinaryIO, rng: random.Random) -> None:
        self.out = out
        self.rng = rng
        self.mark = 0
        self.clock = START
        self.commits = 0

    def _data(self, text: str) -> None:
        raw = text.encode("utf-8")
        self.out.write(b"data %d\n" % len(raw))
        self.out.write(raw)
        self.out.write(b"\n")

    def commit(self, ref: str, message: str, changes: dict[str, tuple[str, ...] | None],
               parent: int | None = None, merge: int | None = None,
               renames: tuple[tuple[str, str], ...] = (), extra: tuple[str, ...] = ()) -> int:
        """`extra`: more file command lines as they are (e.g. `M 100644 :mark "path"`)."""
        self.mark += 1
        self.commits += 1
        self.clock += self.rng.randrange(60, 9000)
        name, email = self.rng.choice(AUTHORS)
        w = self.out.write
        w(f"commit {ref}\nmark :{self.mark}\n".encode())
        w(f"author {name} <{email}> {self.clock} +0000\n".encode())
        w(f"committer {name} <{email}> {self.clock} +0000\n".encode())
        self._data(message)
        if parent is not None:
            w(f"from :{parent}\n".encode())
        if merge is not None:
            w(f"merge :{merge}\n".encode())
        for old, new in renames:
            w(f'R "{old}" "{new}"\n'.encode())
        for path, lines in changes.items():
            if lines is None:
                w(f'D "{path}"\n'.encode())
            else:
                w(f'M 100644 inline "{path}"\n'.encode())
                self._data("\n".join(lines) + "\n")
        for line in extra:
            w(line.encode() + b"\n")
        return self.mark


class History:
    """Plans the history and plants secrets at fixed points of it."""

    def __init__(self, rng: random.Random, writer: Writer, commits: int, paths: int) -> None:
        self.rng = rng
        self.w = writer
        self.target = commits
        self.max_paths = paths
        self.main: dict[str, tuple[str, ...]] = {}
        self.kind: dict[str, str] = {}
        self.hot: list[str] = []  # paths, most-edited first
        self.tip = 0
        self.branches: list[Branch] = []
        self.branch_seq = 0
        self.protected: dict[str, set[str]] = {}  # path -> planted secrets that edits must not touch
        self.plants: list[Plant] = []
        self.pending: dict[int, Callable[[], None]] = {}

    # -- content ------------------------------------------------------------------------

    def new_path(self) -> str:
        while True:
            kind = self.rng.choice(KINDS)
            d = "/".join(self.rng.sample(DIRS, self.rng.randrange(1, 3)))
            name = f"{self.rng.choice(BANKWORDS)}_{self.rng.choice(BANKWORDS)}"
            path = f"{d}/{name}.{EXT[kind]}"
            if path not in self.main and path not in self.kind:
                self.kind[path] = kind
                return path

    def new_content(self, path: str) -> tuple[str, ...]:
        kind = self.kind[path]
        size = int(min(60_000, max(300, self.rng.lognormvariate(7.8, 0.9))))
        bank, header = BANKS[kind]
        return tuple(fill(self.rng, bank, size, header))

    def edit(self, path: str, lines: tuple[str, ...]) -> tuple[str, ...]:
        out = list(lines)
        keep = self.protected.get(path, set())
        bank = BANKS[self.kind[path]][0]
        for _ in range(self.rng.randrange(1, 4)):
            i = self.rng.randrange(len(out) + 1)
            op = self.rng.random()
            if i < len(out) and any(s in out[i] for s in keep):
                continue
            grow = 0.4 if len(out) < 300 else 0.15
            if op < grow or i == len(out):
                out[i:i] = fill(self.rng, bank, self.rng.randrange(40, 300))
            elif op < 0.7:
                out[i:i + 1] = fill(self.rng, bank, self.rng.randrange(40, 160))[:2]
            elif len(out) > 20:
                j = min(len(out), i + self.rng.randrange(1, 6))
                if not any(s in line for line in out[i:j] for s in keep):
                    del out[i:j]
        return tuple(out)

    def pick(self) -> str:
        """Zipf-like choice: hot files take most of the edits."""
        n = len(self.hot)
        i = min(n - 1, int(n * self.rng.random() ** 2))
        return self.hot[i]

    def message(self, what: str) -> str:
        return f"{self.rng.choice(VERBS)} {what}\n\n{self.rng.choice(BANKWORDS)} {self.rng.choice(BANKWORDS)}\n"

    # -- history ------------------------------------------------------------------------

    def initial(self, files: int) -> None:
        changes: dict[str, tuple[str, ...] | None] = {}
        for _ in range(files):
            p = self.new_path()
            changes[p] = self.new_content(p)
        self.main.update({k: v for k, v in changes.items() if v is not None})
        self.hot = list(self.main)
        self.rng.shuffle(self.hot)
        self.tip = self.w.commit("refs/heads/main", "initial import\n", changes)

    def main_commit(self, extra: dict[str, tuple[str, ...] | None] | None = None,
                    renames: tuple[tuple[str, str], ...] = (), what: str = "") -> int:
        changes: dict[str, tuple[str, ...] | None] = dict(extra or {})
        if not changes and not renames:
            r = self.rng.random()
            if r < 0.05 and len(self.kind) < self.max_paths:
                p = self.new_path()
                changes[p] = self.new_content(p)
                self.hot.insert(self.rng.randrange(len(self.hot) // 4 + 1), p)
            elif r < 0.035 and len(self.main) > 500:
                p = self.rng.choice(self.hot[len(self.hot) // 2:])
                if not self.protected.get(p):
                    changes[p] = None
            for _ in range(self.rng.choice((1, 1, 1, 2, 2, 3, 4))):
                p = self.pick()
                if p in self.main and p not in changes:
                    changes[p] = self.edit(p, self.main[p])
        for old, new in renames:
            self.main[new] = self.main.pop(old)
            self.kind[new] = self.kind[old]
            self.hot[self.hot.index(old)] = new
        for p, lines in changes.items():
            if lines is None:
                self.main.pop(p, None)
                if p in self.hot:
                    self.hot.remove(p)
            else:
                self.main[p] = lines
        self.tip = self.w.commit("refs/heads/main", self.message(what or "main"), changes, renames=renames)
        return self.tip

    def open_branch(self, merge_after: int | None = None) -> Branch:
        self.branch_seq += 1
        b = Branch(f"feature/{self.rng.choice(BANKWORDS)}-{self.branch_seq}", dict(self.main), dict(self.main),
                   self.tip,
                   merge_after if merge_after is not None else self.rng.randrange(1, 9))
        self.branches.append(b)
        return b

    def branch_commit(self, b: Branch, extra: dict[str, tuple[str, ...]] | None = None) -> int:
        changes: dict[str, tuple[str, ...] | None] = dict(extra or {})
        if not changes:
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                p = self.pick()
                if p in b.files and p not in changes:
                    changes[p] = self.edit(p, b.files[p])
        for p, lines in changes.items():
            assert lines is not None
            b.files[p] = lines
            b.touched.add(p)
        parent = b.tip if b.made == 0 else None
        b.tip = self.w.commit(f"refs/heads/{b.name}", self.message(b.name), changes, parent=parent)
        b.made += 1
        return b.tip

    def merge(self, b: Branch, resolution: Callable[[dict[str, tuple[str, ...] | None]], None] | None = None) -> int:
        changes: dict[str, tuple[str, ...] | None] = {}
        for p in sorted(b.touched):
            if p not in self.main:
                continue
            if self.main[p] != b.files[p] and self.main[p] != b.base.get(p):
                # both sides changed the file: resolve by taking the branch version plus a note,
                # keeping main's lines that hold planted secrets
                keep = self.protected.get(p, set())
                ours = tuple(ln for ln in self.main[p] if ln not in b.files[p] and any(s in ln for s in keep))
                changes[p] = (*b.files[p], *ours, f"# merged {b.name}")
            else:
                changes[p] = b.files[p]
        if resolution:
            resolution(changes)
        for p, lines in changes.items():
            if lines is not None:
                self.main[p] = lines
        self.branches.remove(b)
        self.tip = self.w.commit("refs/heads/main", f"Merge branch '{b.name}'\n", changes, merge=b.tip)
        return self.tip

    def step(self) -> None:
        due = [n for n in self.pending if n <= self.w.commits]
        if due:
            self.pending.pop(min(due))()
            return
        r = self.rng.random()
        if len(self.branches) < 3 and r < 0.06:
            self.branch_commit(self.open_branch())
        elif self.branches and r < 0.4:
            b = self.rng.choice(self.branches)
            if b.made >= b.length:
                if self.rng.random() < 0.05:
                    self.branches.remove(b)  # abandoned: the ref stays, never merged
                else:
                    self.merge(b)
            else:
                self.branch_commit(b)
        else:
            self.main_commit()

    def run(self) -> None:
        self.initial(int(self.max_paths * 0.6))
        self.schedule()
        while self.w.commits < self.target:
            self.step()
        for b in list(self.branches):
            if b.made:
                self.merge(b)
        self.w.out.write(b"reset refs/heads/main\nfrom :%d\n\n" % self.tip)

    # -- planted secrets ----------------------------------------------------------------

    def at(self, fraction: float, fn: Callable[[], None]) -> None:
        n = max(2, int(self.target * fraction))
        while n in self.pending:
            n += 1
        self.pending[n] = fn

    def plant_lines(self, path: str, lines: tuple[str, ...], new: list[str]) -> tuple[tuple[str, ...], int]:
        """Insert `new` after a random line; returns the content and the 1-based first line."""
        i = self.rng.randrange(1, len(lines) + 1) if lines else 0
        return (*lines[:i], *new, *lines[i:]), i + 1

    def record(self, scenario: str, rule_id: str, secret: str, path: str, line: int, mark: int,
               head: bool = False) -> None:
        self.plants.append(Plant(scenario, rule_id, secret, path, line, mark, head))

    def config_file(self) -> str:
        for p in self.hot[len(self.hot) // 3:]:
            if self.kind[p] in ("py", "yaml", "toml", "ini") and p in self.main and not self.protected.get(p):
                return p
        return self.hot[-1]

    def schedule(self) -> None:
        rng = self.rng
        self.at(0.10, lambda: self.plant_removed(*aws_pair(rng)))
        self.at(0.18, lambda: self.plant_head(github_pat(rng)))
        self.at(0.26, lambda: self.plant_side_branch(github_pat(rng)))
        self.at(0.33, lambda: self.plant_tag(*aws_pair(rng)))
        self.at(0.41, lambda: self.plant_merge_resolution(password(rng)))
        self.at(0.49, lambda: self.plant_renamed(github_pat(rng)))
        self.at(0.57, lambda: self.plant_deleted(private_key(rng)))
        self.at(0.64, lambda: self.plant_two_files(github_pat(rng)))
        self.at(0.72, lambda: self.plant_merged_branch(*aws_pair(rng)))
        self.at(0.80, lambda: self.plant_hot_file(github_pat(rng)))

    def plant_removed(self, key_id: str, secret: str) -> None:
        p = self.config_file()
        lines, at = self.plant_lines(p, self.main[p], [f'aws_access_key_id = "{key_id}"',
                                                        f'aws_secret_access_key = "{secret}"'])
        self.protected.setdefault(p, set()).update((key_id, secret))
        mark = self.main_commit({p: lines}, what="s3 uploads")
        self.record("removed-later", "aws-access-key-id", key_id, p, at, mark)
        self.record("removed-later", "aws-secret-access-key", secret, p, at + 1, mark)

        def remove() -> None:
            self.protected[p] -= {key_id, secret}
            kept = tuple(x for x in self.main[p] if key_id not in x and secret not in x)
            self.main_commit({p: kept}, what="credentials from env")

        self.at(self.w.commits / self.target + 0.02, remove)

    def plant_head(self, token: str) -> None:
        p = "deploy/release.env"
        self.kind[p] = "ini"
        lines = ("# release settings", "REGION=eu-west-1", f"GITHUB_TOKEN={token}", "RETRIES=3")
        self.protected[p] = {token}
        mark = self.main_commit({p: lines}, what="release env")
        self.record("present-at-head", "github-pat-classic", token, p, 3, mark, head=True)

    def plant_side_branch(self, token: str) -> None:
        b = self.open_branch(merge_after=10**9)  # never merged
        b.name = f"spike/{b.name.split('/', 1)[1]}"
        p = self.config_file()
        lines, at = self.plant_lines(p, b.files[p], [f'GH_TOKEN = "{token}"'])
        mark = self.branch_commit(b, {p: lines})
        self.branches.remove(b)
        self.record("side-branch-only", "github-pat-classic", token, p, at, mark)

    def plant_tag(self, key_id: str, secret: str) -> None:
        p = "ops/hotfix_credentials.yml"
        lines = ("hotfix:", f"  aws_access_key_id: {key_id}", f"  aws_secret_access_key: {secret}")
        mark = self.w.commit("refs/tags/hotfix-2019-03", self.message("hotfix"), {p: lines}, parent=self.tip)
        self.record("tag-only", "aws-access-key-id", key_id, p, 2, mark)
        self.record("tag-only", "aws-secret-access-key", secret, p, 3, mark)

    def plant_merge_resolution(self, pw: str) -> None:
        b = self.open_branch(merge_after=0)
        self.branch_commit(b)
        target = sorted(b.touched)[0]
        self.main_commit({target: self.edit(target, self.main[target])}, what="conflicting change")
        p = "deploy/database.yml"
        self.kind[p] = "yaml"
        base = self.main.get(p, ("database:", "  host: db.internal", "  port: 5432"))
        lines, at = self.plant_lines(p, base, [f'  db_password: "{pw}"'])
        self.protected[p] = {pw}

        def resolve(changes: dict[str, tuple[str, ...] | None]) -> None:
            changes[p] = lines

        mark = self.merge(b, resolve)
        self.record("merge-resolution", "generic-password", pw, p, at, mark, head=True)

    def plant_renamed(self, token: str) -> None:
        p = self.config_file()
        lines, at = self.plant_lines(p, self.main[p], [f'github_token = "{token}"'])
        self.protected.setdefault(p, set()).add(token)
        mark = self.main_commit({p: lines}, what="github client")
        self.record("renamed-later", "github-pat-classic", token, p, at, mark, head=True)

        def rename() -> None:
            new = p.rsplit("/", 1)[0] + "/renamed_" + p.rsplit("/", 1)[1]
            self.protected[new] = self.protected.pop(p)
            self.main_commit({new: self.edit(p, self.main[p])}, renames=((p, new),), what="move module")

        self.at(self.w.commits / self.target + 0.01, rename)

    def plant_deleted(self, key: list[str]) -> None:
        p = "deploy/keys/deploy_key.pem"
        self.kind[p] = "ini"
        mark = self.main_commit({p: tuple(key)}, what="deploy key")
        self.record("deleted-later", "private-key", "\n".join(key), p, 1, mark)
        self.at(self.w.commits / self.target + 0.01, lambda: self.main_commit({p: None}, what="drop key"))

    def plant_two_files(self, token: str) -> None:
        for name in ("scripts/sync_mirror.sh", "scripts/backup_mirror.sh"):
            self.kind[name] = "sh"
            lines = ("#!/bin/sh", "set -eu", f"export GITHUB_TOKEN={token}", "git push --mirror")
            self.protected[name] = {token}
            mark = self.main_commit({name: lines}, what="mirror script")
            self.record("same-secret-two-files", "github-pat-classic", token, name, 3, mark, head=True)

    def plant_merged_branch(self, key_id: str, secret: str) -> None:
        b = self.open_branch(merge_after=3)
        p = self.config_file()
        lines, at = self.plant_lines(p, b.files[p], [f"AWS_ACCESS_KEY_ID = '{key_id}'",
                                                      f"AWS_SECRET_ACCESS_KEY = '{secret}'"])
        self.protected.setdefault(p, set()).update((key_id, secret))
        mark = self.branch_commit(b, {p: lines})
        self.record("merged-branch", "aws-access-key-id", key_id, p, at, mark, head=True)
        self.record("merged-branch", "aws-secret-access-key", secret, p, at + 1, mark, head=True)

    def plant_hot_file(self, token: str) -> None:
        p = self.hot[0]
        lines, at = self.plant_lines(p, self.main[p], [f'API_TOKEN = "{token}"  # ci'])
        self.protected.setdefault(p, set()).add(token)
        mark = self.main_commit({p: lines}, what="ci token")
        self.record("hot-file-kept", "github-pat-classic", token, p, at, mark, head=True)


BANKWORDS = ("alpha", "billing", "cache", "delta", "events", "feeds", "gateway", "health", "index",
             "jobs", "kernel", "ledger", "metrics", "notify", "orders", "proxy", "quota", "render",
             "search", "tenant", "upload", "vault", "worker", "export", "yield", "zone", "audit",
             "batch", "cart", "deploy", "email", "filter", "graph", "hooks", "image", "jwt", "keys",
             "limits", "model", "nodes", "oauth", "pages", "queue", "rates", "sync", "tasks", "users")


def fast_import(out: Path, seed: int, make: Callable[[random.Random, BinaryIO], History]) -> History:
    """A new repository at `out` holding the history that `make(rng, stream)` plans (run here); the
    planted occurrences get their commit ids."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True, stdin=subprocess.DEVNULL)
    marks = out.resolve() / ".git" / "bench-marks"
    proc = subprocess.Popen(["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=out,
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    history = make(random.Random(seed), proc.stdin)  # type: ignore[arg-type]
    history.run()
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    sha = dict(line.split() for line in marks.read_text().splitlines())
    for plant in history.plants:
        plant.commit = sha[f":{plant.mark}"]
    return history


def finish(out: Path, history: History, seed: int, **extra: object) -> dict[str, object]:
    """Check out main, pack, and write the manifest (with `extra` fields); returns the manifest."""
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=out, check=True, stdin=subprocess.DEVNULL)
    # git gc reads revisions from an inherited stdin: give it none
    subprocess.run(["git", "gc", "-q", "--prune=now"], cwd=out, check=True, stdin=subprocess.DEVNULL)
    manifest: dict[str, object] = {
        "commits": history.w.commits, "paths": len(history.kind), "seed": seed, **extra,
        "plants": [asdict(p) for p in history.plants],
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def generate(out: Path, commits: int = 20_000, paths: int = 3000, seed: int = 7) -> dict[str, object]:
    history = fast_import(out, seed, lambda rng, stream: History(rng, Writer(stream, rng), commits, paths))
    return finish(out, history, seed)


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--commits", type=int, default=20_000)
    ap.add_argument("--paths", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate(args.out, args.commits, args.paths, args.seed)
    print(f"{args.out}: {m['commits']} commits, {m['paths']} paths, {len(m['plants'])} planted "  # type: ignore[arg-type]
          f"occurrences in {time.perf_counter() - t0:.1f}s; manifest {manifest_path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
