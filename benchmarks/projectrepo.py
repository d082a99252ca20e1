"""A history shaped like a long-lived real project, for the history benchmark of issue 18.

Builds on benchmarks/gitrepo.py (hot files, feature branches, merges, planted secrets) and adds
what real histories carry and a regular synthetic one lacks:

* hundreds of refs: release tags (annotated and lightweight) every ~170 commits, release branches
  with backports and patch tags, feature branches of which a share keep their ref after merging;
* vendored third-party code that nobody here wrote: real source distributions from the package
  registry (`pip download --no-binary :all:`) imported under `third_party/` and later upgraded to
  another release (hundreds of files changed in one commit);
* large generated files: a ~1.5 MB `package-lock.json` regenerated often (high-entropy integrity
  hashes on every entry) and a one-line minified bundle of ~600 KB rebuilt now and then;
* binary blobs (images, a font, a shared object) added and replaced;
* a directory moved wholesale (hundreds of renames in one commit) and a mass reformat commit.

Planted on top of gitrepo's scenarios: a token inside a rebuilt minified bundle (removed by the next
build) and an AWS key on a release branch only.

    python -m benchmarks.projectrepo OUT_DIR [--commits 50000] [--seed 11]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import gitrepo, realcode
from benchmarks.gitrepo import AUTHORS, BANKWORDS, Branch, History, Writer, aws_pair, github_pat
from scanner.engine.confidence import CONTEXT_PATH

HERE = Path(__file__).resolve().parent
# (package, first release vendored, the release it is upgraded to)
VENDORED = (("requests", "2.28.2", "2.32.3"), ("urllib3", "1.26.18", "2.2.3"), ("idna", "3.4", "3.10"),
            ("chardet", "4.0.0", "5.2.0"))
TEXT_SUFFIXES = (".py", ".txt", ".rst", ".md", ".cfg", ".toml", ".ini", ".in", ".json")
LOCK = "web/package-lock.json"
BUNDLE = "web/dist/app.min.js"
Content = tuple[str, ...] | bytes | None


def sdist_files(name: str, version: str) -> dict[str, bytes]:
    """The text files of the sdist NAME==VERSION by their path inside it (downloaded once)."""
    tree = realcode.fetch(HERE / ".corpus", name, version)
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.suffix in TEXT_SUFFIXES and p.stat().st_size < 2_000_000}


class ProjectWriter(Writer):
    """gitrepo's writer plus binary contents and tags."""

    def commit(self, ref: str, message: str, changes: dict[str, tuple[str, ...] | None],  # type: ignore[override]
               parent: int | None = None, merge: int | None = None,
               renames: tuple[tuple[str, str], ...] = ()) -> int:
        text = {p: c for p, c in changes.items() if not isinstance(c, bytes)}
        binary: dict[str, bytes] = {p: c for p, c in changes.items() if isinstance(c, bytes)}
        marks = {}
        for path, data in binary.items():
            self.mark += 1
            self.out.write(b"blob\nmark :%d\ndata %d\n" % (self.mark, len(data)) + data + b"\n")
            marks[path] = self.mark
        mark = super().commit(ref, message, text, parent=parent, merge=merge, renames=renames,
                              extra=tuple(f'M 100644 :{m} "{p}"' for p, m in marks.items()))
        return mark

    def tag(self, name: str, mark: int, annotated: bool) -> None:
        if annotated:
            who, email = self.rng.choice(AUTHORS)
            msg = f"Release {name}\n".encode()
            self.out.write(f"tag {name}\nfrom :{mark}\ntagger {who} <{email}> {self.clock} +0000\n".encode()
                           + b"data %d\n" % len(msg) + msg + b"\n")
        else:
            self.out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())


class Project(History):
    """gitrepo's History with the parts of a long-lived project listed in the module docstring."""

    def __init__(self, rng: random.Random, writer: ProjectWriter, commits: int, paths: int,
                 vendored: dict[str, list[dict[str, bytes]]]) -> None:
        super().__init__(rng, writer, commits, paths)
        self.pw = writer
        self.vendored = vendored
        self.minor = 0
        self.releases: list[Branch] = []
        self.merged_refs: list[str] = []
        self.lock_entries: list[tuple[str, str, str]] = []
        self.bundle_words: list[str] = []
        self.assets: list[str] = []

    # -- generated and binary content -----------------------------------------------------

    def lock_lines(self) -> tuple[str, ...]:
        out = ["{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {']
        for i, (name, version, integrity) in enumerate(self.lock_entries):
            comma = "," if i < len(self.lock_entries) - 1 else ""
            out += [f'    "node_modules/{name}": {{', f'      "version": "{version}",',
                    f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",',
                    f'      "integrity": "sha512-{integrity}"', f"    }}{comma}"]
        return (*out, "  }", "}")

    def integrity(self, name: str, version: str) -> str:
        return base64.b64encode(hashlib.sha512(f"{name}@{version}".encode()).digest()).decode()

    def regenerate_lock(self) -> tuple[str, ...]:
        if not self.lock_entries:
            for i in range(7000):
                name = f"{self.rng.choice(BANKWORDS)}-{self.rng.choice(BANKWORDS)}-{i}"
                version = f"{self.rng.randrange(9)}.{self.rng.randrange(30)}.{self.rng.randrange(20)}"
                self.lock_entries.append((name, version, self.integrity(name, version)))
        else:
            for _ in range(self.rng.randrange(20, 250)):
                i = self.rng.randrange(len(self.lock_entries))
                name, version, _ = self.lock_entries[i]
                bumped = version.rsplit(".", 1)[0] + f".{int(version.rsplit('.', 1)[1]) + 1}"
                self.lock_entries[i] = (name, bumped, self.integrity(name, bumped))
        return self.lock_lines()

    def bundle(self, extra: str = "") -> tuple[str, ...]:
        if not self.bundle_words:
            self.bundle_words = [f"function {self.rng.choice(BANKWORDS)}{i}(a,b){{return a.{self.rng.choice(BANKWORDS)}"
                                 f"(b)||{i}}}" for i in range(16000)]
        for _ in range(self.rng.randrange(50, 400)):
            i = self.rng.randrange(len(self.bundle_words))
            self.bundle_words[i] = f"var {self.rng.choice(BANKWORDS)}{i}={self.rng.randrange(10**6)};"
        words = list(self.bundle_words)
        if extra:
            words.insert(len(words) // 2, extra)
        return ("/*! app build */" + "".join(words),)

    def binary(self, size: int) -> bytes:
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + self.rng.randbytes(size)

    # -- project events -------------------------------------------------------------------

    def vendor(self, release: int) -> None:
        changes: dict[str, Content] = {}
        for name, versions in self.vendored.items():
            old = versions[release - 1] if release else {}
            for rel, data in versions[release].items():
                if old.get(rel) != data:
                    changes[f"third_party/{name}/{rel}"] = tuple(data.decode("utf-8", "replace").split("\n"))
            changes.update({f"third_party/{name}/{rel}": None for rel in old if rel not in versions[release]})
        self.main_commit(changes, what="vendored dependencies")  # type: ignore[arg-type]

    def move_directory(self) -> None:
        top = max(gitrepo.DIRS, key=lambda d: sum(p.startswith(d + "/") for p in self.main if p in self.kind))
        moved = tuple((p, "legacy/" + p) for p in self.main if p.startswith(top + "/") and p in self.kind)
        self.main_commit(renames=moved, what=f"move {top} under legacy/")

    def reformat(self) -> None:
        changes: dict[str, tuple[str, ...] | None] = {}
        for p in self.hot[:400]:
            if p in self.main and not self.protected.get(p) and self.kind.get(p) == "py":
                changes[p] = tuple(line.rstrip().replace("'", '"') for line in self.main[p])
        self.main_commit(changes, what="reformat with the new style")

    def release(self) -> None:
        self.minor += 1
        name = f"v1.{self.minor}.0"
        self.pw.tag(name, self.tip, annotated=self.minor % 3 != 0)
        if self.minor % 8 == 0:
            b = self.open_branch(merge_after=10**9)
            self.branches.remove(b)
            b.name = f"release/1.{self.minor}"
            self.releases = [b, *self.releases][:3]

    def backport(self) -> None:
        b = self.rng.choice(self.releases)
        self.branch_commit(b)
        if self.rng.random() < 0.25:
            self.pw.tag(f"v{b.name.split('/')[1]}.{b.made}", b.tip, annotated=True)

    def step(self) -> None:
        n = self.w.commits
        r = self.rng.random()
        if any(k <= n for k in self.pending):
            super().step()  # a planted scenario is due
        elif n and n % 170 == 0:
            self.main_commit()
            self.release()
        elif n % 120 == 0 and LOCK in self.main:
            self.main_commit({LOCK: self.regenerate_lock()}, what="lock file")
        elif n % 400 == 0 and BUNDLE in self.main:
            self.main_commit({BUNDLE: self.bundle()}, what="rebuild bundle")
        elif n % 260 == 0 and self.assets:
            self.add_asset(replace=self.rng.random() < 0.3)
        elif self.releases and r < 0.03:
            self.backport()
        elif len(self.branches) < 9 and r < 0.09:
            self.branch_commit(self.open_branch())
        else:
            open_before = {b.name for b in self.branches}
            super().step()
            for name in open_before - {b.name for b in self.branches}:
                if self.rng.random() < 0.6:
                    self.merged_refs.append(name)  # merged or abandoned: its ref is deleted later

    def add_asset(self, replace: bool = False) -> None:
        if replace:
            p = self.rng.choice(self.assets)
        else:
            p = f"web/assets/{self.rng.choice(BANKWORDS)}_{len(self.assets)}.png"
            self.assets.append(p)
        data = self.binary(self.rng.randrange(8_000, 160_000))
        self.main_commit({p: data}, what="assets")  # type: ignore[dict-item]

    def main_commit(self, extra: dict[str, tuple[str, ...] | None] | None = None,
                    renames: tuple[tuple[str, str], ...] = (), what: str = "") -> int:
        for old, new in renames:
            if old in self.protected:
                self.protected[new] = self.protected.pop(old)
        return super().main_commit(extra, renames, what)

    def run(self) -> None:
        self.initial(int(self.max_paths * 0.6))
        self.main_commit({LOCK: self.regenerate_lock(), BUNDLE: self.bundle(),
                          "web/assets/logo.png": self.binary(40_000),  # type: ignore[dict-item]
                          "native/libfast.so": b"\x7fELF" + self.rng.randbytes(300_000)},  # type: ignore[dict-item]
                         what="web front end")
        self.assets.append("web/assets/logo.png")
        self.schedule()
        self.at(0.05, lambda: self.vendor(0))
        self.at(0.30, self.reformat)
        self.at(0.45, lambda: self.vendor(1))
        self.at(0.55, self.move_directory)
        self.at(0.22, lambda: self.plant_bundle(github_pat(self.rng)))
        self.at(0.68, lambda: self.plant_release_branch(*aws_pair(self.rng)))
        while self.w.commits < self.target:
            self.step()
        for b in list(self.branches):
            if b.made:
                self.merge(b)
        self.w.out.write(b"reset refs/heads/main\nfrom :%d\n\n" % self.tip)

    # -- planted ----------------------------------------------------------------------------

    def config_file(self) -> str:
        """gitrepo's choice, away from documentation and test folders (where confidence is lowered by design)."""
        for p in self.hot[len(self.hot) // 3:]:
            if (self.kind[p] in ("py", "yaml", "toml", "ini") and p in self.main and not self.protected.get(p)
                    and not CONTEXT_PATH.search(p)):
                return p
        return super().config_file()

    def plant_bundle(self, token: str) -> None:
        mark = self.main_commit({BUNDLE: self.bundle(f'var cfg={{githubToken:"{token}"}};')}, what="rebuild bundle")
        self.record("generated-bundle", "github-pat-classic", token, BUNDLE, 1, mark)
        self.at(self.w.commits / self.target + 0.01,
                lambda: self.main_commit({BUNDLE: self.bundle()}, what="rebuild bundle"))

    def plant_release_branch(self, key_id: str, secret: str) -> None:
        if not self.releases:
            self.release()
        b = self.releases[0]
        p = "deploy/backport_settings.ini"
        self.kind[p] = "ini"
        lines = ("[aws]", f"aws_access_key_id = {key_id}", f"aws_secret_access_key = {secret}")
        mark = self.branch_commit(b, {p: lines})
        self.record("release-branch-only", "aws-access-key-id", key_id, p, 2, mark)
        self.record("release-branch-only", "aws-secret-access-key", secret, p, 3, mark)


def generate(out: Path, commits: int = 50_000, paths: int = 4000, seed: int = 11) -> dict[str, object]:
    vendored = {name: [sdist_files(name, a), sdist_files(name, b)] for name, a, b in VENDORED}
    history = gitrepo.fast_import(out, seed, lambda rng, stream: Project(rng, ProjectWriter(stream, rng), commits,
                                                                         paths, vendored))
    assert isinstance(history, Project)
    deletes = "".join(f"delete refs/heads/{name}\n" for name in history.merged_refs)
    subprocess.run(["git", "update-ref", "--stdin"], cwd=out, input=deletes.encode(), check=True)
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname)"], cwd=out, capture_output=True, text=True,
                          check=True).stdout.split()
    return gitrepo.finish(out, history, seed, profile="project",
                          branches=sum(r.startswith("refs/heads/") for r in refs),
                          tags=sum(r.startswith("refs/tags/") for r in refs),
                          vendored=[f"{n} {a} -> {b}" for n, a, b in VENDORED])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--commits", type=int, default=50_000)
    ap.add_argument("--paths", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate(args.out, args.commits, args.paths, args.seed)
    print(f"{args.out}: {m['commits']} commits, {m['branches']} branches, {m['tags']} tags, {m['paths']} paths, "
          f"{len(m['plants'])} planted occurrences in {time.perf_counter() - t0:.1f}s")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
