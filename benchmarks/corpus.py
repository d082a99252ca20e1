"""Deterministic benchmark corpus: a monorepo-like tree with planted secrets.

    python -m benchmarks.corpus --out benchmarks/.corpus/scan-200mb --size-mb 200 --seed 1

The same seed and size give a byte-identical tree. The tree holds services in
several languages, config, infrastructure, docs, lock files, minified bundles,
vendored node_modules copied into several apps (identical files) and config
scaffolds shared by services with a few lines changed (near-identical files).
Planted secrets and look-alikes are listed in ``<out>/../<name>.manifest.json``,
outside the scanned tree, with 1-based line numbers.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `scanner` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpus_content as content
from benchmarks import corpus_secrets as secrets

GENERATOR = "keysweep-benchmark-corpus/1"
MB = 1024 * 1024
LANGS = {"py": "py", "js": "js", "ts": "ts", "go": "go", "java": "java", "rb": "rb", "php": "php", "cs": "cs"}
EXT = {"yaml": "yaml", "json": "json", "ini": "ini", "toml": "toml", "env": "env", "properties": "properties",
       "xml": "xml", "tf": "tf", "tfvars": "tfvars", "sh": "sh", "md": "md", **LANGS}
FULL_SIZE_MB = 50  # at or above this size every planned secret is planted


@dataclass(frozen=True)
class Plant:
    lines: tuple[str, ...]
    entries: tuple[dict[str, object], ...]  # manifest entries, line offsets relative to the plant


@dataclass
class Spec:
    """One file, or several identical copies (`paths`), or a near-identical member of `family`."""

    paths: list[str]
    kind: str
    size: int
    family: str | None = None
    plants: list[Plant] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        return len(self.paths) > 1


class Planner:
    """Lays out the tree (paths, kinds, sizes) with the master RNG until the byte budget is met."""

    def __init__(self, rng: random.Random, size_bytes: int) -> None:
        self.rng = rng
        self.budget = size_bytes
        self.specs: list[Spec] = []
        self.total = 0
        self.family_sizes: dict[str, int] = {}

    def add(self, spec: Spec) -> Spec:
        self.specs.append(spec)
        self.total += spec.size * len(spec.paths)
        return spec

    def file_size(self, mu: float = 8.3, sigma: float = 1.1, hi: int = 300_000) -> int:
        return max(300, min(hi, int(self.rng.lognormvariate(mu, sigma))))

    def big(self, lo: int, hi: int) -> int:
        """Size of a large file (bundle, lock file), kept in proportion for small corpora."""
        cap = max(20_000, self.budget // 20)
        return self.rng.randrange(min(lo, cap // 2), min(hi, cap) + 1)

    def family_size(self, family: str) -> int:
        if family not in self.family_sizes:
            self.family_sizes[family] = self.file_size(9.0, 0.8)
        return self.family_sizes[family]

    def names(self, n: int) -> list[str]:
        return [f"{w}-{v}" for w, v in zip(self.rng.sample(content.WORDS, n), self.rng.choices(content.WORDS, k=n),
                                           strict=True)]

    def vendored_libs(self) -> list[tuple[str, list[Spec]]]:
        """Third-party and internal packages; each is later copied into several apps' node_modules."""
        libs = []
        for name in self.names(max(3, min(40, self.budget // (5 * MB)))):
            files = [Spec([f"{name}/package.json"], "json", self.rng.randrange(600, 2500)),
                     Spec([f"{name}/README.md"], "md", self.file_size(8.0, 0.6))]
            for i in range(self.rng.randrange(3, 16)):
                files.append(Spec([f"{name}/lib/{self.rng.choice(content.WORDS)}-{i}.js"], "js", self.file_size()))
            files.append(Spec([f"{name}/types/index.d.ts"], "ts", self.file_size(7.5, 0.8)))
            if self.rng.random() < 0.4:
                files.append(Spec([f"{name}/dist/{name}.min.js"], "minjs", self.big(50_000, 500_000)))
            libs.append((name, files))
        return libs

    def frontend_app(self, app: str, libs: list[tuple[str, list[Spec]]]) -> None:
        root = f"apps/{app}"
        self.add(Spec([f"{root}/package-lock.json"], "package-lock", self.big(400_000, 3 * MB)))
        if self.rng.random() < 0.5:
            self.add(Spec([f"{root}/yarn.lock"], "yarn-lock", self.big(200_000, 2 * MB)))
        self.add(Spec([f"{root}/dist/app.min.js"], "minjs", self.big(MB, 4 * MB)))
        for i in range(self.rng.randrange(20, 80)):
            kind = self.rng.choice(["ts", "ts", "js"])
            area = self.rng.choice(content.WORDS)
            self.add(Spec([f"{root}/src/{area}/{self.rng.choice(content.WORDS)}-{i}.{kind}"], kind, self.file_size()))
        self.add(Spec([f"{root}/.env.production"], "env", self.rng.randrange(300, 1500), family="app-env"))
        self.add(Spec([f"{root}/.github/workflows/ci.yml"], "ci", self.rng.randrange(1000, 4000), family="app-ci"))
        self._vendor(app, libs)

    def _vendor(self, app: str, libs: list[tuple[str, list[Spec]]]) -> None:
        """Give each chosen lib's files one more copy; finalize_vendor registers them once at the end."""
        for _, files in libs:
            if self.rng.random() < 0.6:
                for spec in files:
                    spec.paths.append(f"apps/{app}/node_modules/{spec.paths[0]}")

    def infra(self) -> None:
        envs = ["dev", "staging", "prod", "qa", "perf", "dr"][: max(2, min(6, self.budget // (30 * MB) + 2))]
        for module in self.names(max(3, min(25, self.budget // (8 * MB)))):
            for part in ("main", "variables", "outputs"):
                self.add(Spec([f"infra/terraform/modules/{module}/{part}.tf"], "tf", self.file_size(8.0, 0.8)))
        for env in envs:
            self.add(Spec([f"infra/terraform/envs/{env}/main.tf"], "tf", 12_000, family="env-main-tf"))
            self.add(Spec([f"infra/terraform/envs/{env}/terraform.tfvars"], "tfvars", 1500, family="env-tfvars"))
            self.add(Spec([f"infra/k8s/{env}/platform.yaml"], "k8s", 9000, family="env-k8s"))
            self.add(Spec([f"deploy/{env}/deploy.sh"], "sh", 4000, family="deploy-sh"))
        self.add(Spec([".gitlab-ci.yml"], "ci", 6000))
        self.add(Spec(["docker-compose.yml"], "compose", 5000))
        for i in range(self.rng.randrange(5, 15)):
            self.add(Spec([f"deploy/scripts/{self.rng.choice(content.VERBS)}-{i}.sh"], "sh", self.file_size(7.8, 0.7)))

    def docs(self) -> None:
        for i in range(max(5, min(200, self.budget // (2 * MB)))):
            section = self.rng.choice(["guides", "runbooks", "adr", "api", "onboarding"])
            self.add(Spec([f"docs/{section}/{self.rng.choice(content.WORDS)}-{i}.md"], "md", self.file_size(8.4, 0.9)))

    def service(self, name: str) -> None:
        lang = self.rng.choice(list(LANGS))
        root = f"services/{name}"
        forked = self.rng.random() < 0.4  # started from the shared scaffold: some files near-identical
        for i in range(self.rng.randrange(10, 90)):
            sub = self.rng.choice(["src", "src", "src", "tests"])
            pkg = self.rng.choice(content.WORDS)
            path = f"{root}/{sub}/{pkg}/{self.rng.choice(content.WORDS)}_{i}.{LANGS[lang]}"
            if forked and self.rng.random() < 0.3:
                family = f"scaffold-{lang}-{self.rng.randrange(8)}"
                self.add(Spec([path], lang, self.family_size(family), family=family))
            else:
                self.add(Spec([path], lang, self.file_size()))
        self.add(Spec([f"{root}/config/settings.yaml"], "yaml", 5000, family=f"settings-{lang}"))
        self.add(Spec([f"{root}/Dockerfile"], "dockerfile", 1500, family=f"dockerfile-{lang}"))
        self.add(Spec([f"{root}/k8s/deployment.yaml"], "k8s", 4000, family="svc-k8s"))
        self.add(Spec([f"{root}/.env"], "env", 800, family="svc-env"))
        extra = {"py": ("pyproject.toml", "toml"), "java": ("src/main/resources/application.properties", "properties"),
                 "cs": ("appsettings.json", "json"), "php": ("config/app.ini", "ini"), "go": ("go.sum", "go-sum"),
                 "js": ("package-lock.json", "package-lock"), "ts": ("package-lock.json", "package-lock"),
                 "rb": ("config/database.yml", "yaml")}[lang]
        big = extra[1] in ("go-sum", "package-lock")
        size = self.big(100_000, 900_000) if big else self.rng.randrange(800, 4000)
        self.add(Spec([f"{root}/{extra[0]}"], extra[1], size))
        if lang == "java":
            self.add(Spec([f"{root}/pom.xml"], "xml", 6000, family="pom"))


def finalize_vendor(planner: Planner, libs_specs: list[Spec]) -> None:
    """Turn each vendored file's app paths into its copies (the lib's own path is dropped)."""
    for spec in libs_specs:
        spec.paths = spec.paths[1:]
        if spec.paths:
            planner.add(spec)


def plan(seed: int, size_mb: float) -> list[Spec]:
    rng = random.Random(seed)
    planner = Planner(rng, int(size_mb * MB))
    libs = planner.vendored_libs()
    apps = max(2, min(10, planner.budget // (12 * MB) + 2))
    for app in planner.names(apps):
        planner.frontend_app(app, libs)
    finalize_vendor(planner, [s for _, files in libs for s in files])
    planner.infra()
    planner.docs()
    while planner.total < planner.budget:
        planner.service(planner.names(1)[0] + f"-{len(planner.specs) % 97}")
    plant_all(rng, planner, min(1.0, size_mb / FULL_SIZE_MB))
    return planner.specs


def _standalone(planner: Planner, kind: str, secret: secrets.Secret) -> Spec:
    """A file of its own for the plant: `.npmrc` or a key file, in an app or service folder."""
    roots = sorted({"/".join(s.paths[0].split("/")[:2]) for s in planner.specs
                    if s.paths[0].startswith(("apps/", "services/"))})
    if kind == "npmrc":
        name = ".npmrc"
    else:
        name = {"private-key-openssh": "deploy/id_ed25519", "private-key-ec": "tls/ec-key.pem"}.get(
            secret.kind, "tls/server.key")
    path = f"{planner.rng.choice(roots)}/{name}"
    for spec in planner.specs:
        if spec.paths == [path]:
            return spec
    return planner.add(Spec([path], kind, 0))


def plant_all(rng: random.Random, planner: Planner, scale: float) -> None:
    """Attach secrets (per secrets.PLAN, scaled for small corpora) and decoys to host files."""
    by_kind: dict[str, list[Spec]] = {}
    for spec in planner.specs:
        if not spec.shared:
            by_kind.setdefault(spec.kind, []).append(spec)
    shared_js = [s for s in planner.specs if s.shared and s.kind == "js"]
    planted = 0
    for family, count in secrets.PLAN.items():
        for _ in range(max(1, round(count * scale))):
            found = secrets.FACTORIES[family](rng)
            host = rng.choice(secrets.HOSTS[family])
            if host in ("pem", "npmrc"):
                spec = _standalone(planner, host, found[0])
            elif planted % 40 == 7 and shared_js and "\n" not in found[0].value:
                spec, host = rng.choice(shared_js), "js"  # a vendored copy: found at every path
            else:
                spec = rng.choice(_hosts(planner, by_kind, host))
            spec.plants.append(_plant(host, found))
            planted += 1
    for _ in range(max(1, round(3 * scale))):
        for decoy in secrets.decoys(rng):
            spec = rng.choice(_hosts(planner, by_kind, decoy.host))
            entry: dict[str, object] = {"kind": decoy.kind, "text": decoy.line.strip(), "decoy": True}
            spec.plants.append(Plant((decoy.line,), (entry,)))


def _hosts(planner: Planner, by_kind: dict[str, list[Spec]], kind: str) -> list[Spec]:
    """Files of `kind` that can take a plant; a small corpus may need one made for it."""
    if kind not in by_kind:
        name = {"dockerfile": "Dockerfile", "compose": "docker-compose.yml", "k8s": "manifest.yaml",
                "ci": "pipeline.yml", "minjs": "bundle.min.js"}.get(kind, f"settings.{EXT.get(kind, kind)}")
        spec = planner.add(Spec([f"config/extra-{kind}/{name}"], kind, 3000))
        by_kind[kind] = [spec]
    return by_kind[kind]


def _plant(host: str, found: list[secrets.Secret]) -> Plant:
    lines: list[str] = []
    entries = []
    for s in found:
        rendered, at = secrets.render(host, s.key, s.value)
        height = min(s.value.count("\n"), len(rendered) - at - 1)
        entries.append({"kind": s.kind, "secret": s.secret, "host": host,
                        "line": len(lines) + at, "end_line": len(lines) + at + height})
        lines.extend(rendered)
    return Plant(tuple(lines), tuple(entries))


class Writer:
    """Produces each spec's bytes from per-file RNGs (so order does not matter) and writes them."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.seed = seed
        self.families: dict[tuple[str, str], list[str]] = {}

    def base_lines(self, spec: Spec) -> list[str]:
        if spec.kind == "pem":
            return []
        if spec.kind == "npmrc":
            return ["registry=https://registry.npmjs.org/", "always-auth=true"]
        if spec.family is None:
            return content.generate(random.Random(f"{self.seed}:{spec.paths[0]}"), spec.kind, spec.size)
        key = (spec.family, spec.kind)
        if key not in self.families:
            self.families[key] = content.generate(random.Random(f"{self.seed}:family:{key}"), spec.kind, spec.size)
        rng = random.Random(f"{self.seed}:{spec.paths[0]}")
        return content.mutate(rng, self.families[key], rng.randrange(1, 6), spec.kind)

    def write(self, spec: Spec) -> Iterator[dict[str, object]]:
        lines = self.base_lines(spec)
        rng = random.Random(f"{self.seed}:plant:{spec.paths[0]}")
        lines, entries = insert_plants(rng, lines, spec.plants, inline=spec.kind == "minjs")
        data = ("\n".join(lines) + "\n").encode()
        for path in spec.paths:
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            for entry in entries:
                yield {"path": path, **entry}


def insert_plants(
    rng: random.Random, lines: list[str], plants: list[Plant], inline: bool
) -> tuple[list[str], list[dict[str, object]]]:
    """Insert each plant at a block boundary (or inside a long line for bundles); fix up line numbers."""
    if not plants:
        return lines, []
    if inline:
        return _insert_inline(rng, lines, plants)
    bounds = [i for i in range(1, len(lines)) if lines[i - 1] == ""] or [len(lines)]
    chosen = sorted((rng.choice(bounds), n) for n in range(len(plants)))
    out: list[str] = []
    entries: list[dict[str, object]] = []
    prev = 0
    for at, n in chosen:
        out.extend(lines[prev:at])
        prev = at
        base = len(out) + 1  # 1-based line number of the plant's first line
        for entry in plants[n].entries:
            fixed = dict(entry)
            if "line" in entry:
                fixed["line"] = base + int(str(entry["line"]))
                fixed["end_line"] = base + int(str(entry["end_line"]))
            else:
                fixed["line"] = fixed["end_line"] = base
            entries.append(fixed)
        out.extend(plants[n].lines)
    out.extend(lines[prev:])
    return out, entries


def _insert_inline(
    rng: random.Random, lines: list[str], plants: list[Plant]
) -> tuple[list[str], list[dict[str, object]]]:
    out = list(lines)
    entries = []
    for plant in plants:
        i = rng.randrange(max(1, len(out) - 1))
        k = out[i].find(";", rng.randrange(len(out[i]) or 1)) + 1 or len(out[i])
        out[i] = out[i][:k] + "".join(plant.lines) + out[i][k:]
        for entry in plant.entries:
            entries.append({**entry, "line": i + 1, "end_line": i + 1})
    return out, entries


def generate(out: Path, size_mb: float, seed: int) -> dict[str, Any]:
    """Build the corpus at `out` and its manifest beside it; returns the manifest."""
    prepare(out)
    specs = plan(seed, size_mb)
    writer = Writer(out, seed)
    found: list[dict[str, object]] = []
    for spec in specs:
        found.extend(writer.write(spec))
    files = sum(len(s.paths) for s in specs)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    manifest: dict[str, Any] = {
        "generator": GENERATOR, "seed": seed, "size_mb": size_mb, "files": files, "bytes": total,
        "secrets": [e for e in found if not e.get("decoy")],
        "decoys": [{k: v for k, v in e.items() if k != "decoy"} for e in found if e.get("decoy")],
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def verify_manifest(root: Path, manifest: Mapping[str, Any]) -> list[str]:
    """Problems with the manifest's positions (empty when every entry is where it says)."""
    problems = []
    cache: dict[str, list[str]] = {}
    entries = [*manifest["secrets"], *manifest["decoys"]]
    for entry in entries:
        path = str(entry["path"])
        if path not in cache:
            cache[path] = (root / path).read_text().split("\n")
        lines = cache[path]
        text = str(entry.get("secret", entry.get("text")))
        first, last = text.split("\n")[0], text.split("\n")[-1]
        if first not in lines[int(entry["line"]) - 1] or last not in lines[int(entry["end_line"]) - 1]:
            problems.append(f"{path}:{entry['line']}: {entry['kind']} not at its recorded line")
    return problems


def manifest_path(out: Path) -> Path:
    return out.parent / f"{out.name}.manifest.json"


def prepare(out: Path) -> None:
    """Start from an empty folder; only a previous corpus (one with a manifest) is ever removed."""
    if out.exists() and any(out.iterdir()):
        if not manifest_path(out).exists():
            raise SystemExit(f"refusing to overwrite {out}: not empty and not a generated corpus")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/.corpus/scan-200mb"))
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    manifest = generate(args.out, args.size_mb, args.seed)
    took = time.perf_counter() - start
    print(f"{args.out}: {manifest['files']} files, {manifest['bytes'] / MB:.1f} MB, "
          f"{len(manifest['secrets'])} secrets, {len(manifest['decoys'])} decoys "
          f"in {took:.1f} s; manifest {manifest_path(args.out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
