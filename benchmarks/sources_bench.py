"""Archive and image sources against plain files on the same content (the source-seam issue).

1. Archive throughput: the real-code trees (sdists of well-known projects, unpacked) scanned as a
   folder with `--no-archives`, then the same files packed one archive per project as tar.gz and as
   zip: MB/s of content and the ratio to plain files (target: at least 50 %).
2. A container image of about 1 GB (`docker save` shape, uncompressed layers made of the same real
   files, a key added in the first layer and deleted in the second): wall, CPU and peak RSS of
   `keysweep image` (target: under 400 MB).

    python -m benchmarks.sources_bench --trees /tmp/realcode/trees [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from benchmarks.common import MB, git_state, machine_facts, markdown_table, publish, run_measured

HEADING = "## Archive and image sources (issue 20)"
ROOT = Path(__file__).resolve().parent.parent
KEY_ID = "AKIAZ4R7QW2LMNPX5HTB"
KEY_SECRET = "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"


def content_bytes(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink())


def pack(trees: Path, out: Path, kind: str) -> None:
    out.mkdir(parents=True)
    for project in sorted(p for p in trees.iterdir() if p.is_dir()):
        if kind == "tar.gz":
            with tarfile.open(out / f"{project.name}.tar.gz", "w:gz", compresslevel=6) as tf:
                tf.add(project, arcname=project.name)
        else:
            with zipfile.ZipFile(out / f"{project.name}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                for p in sorted(project.rglob("*")):
                    if p.is_file() and not p.is_symlink():
                        zf.write(p, f"{project.name}/{p.relative_to(project).as_posix()}")


def layer(trees: Path, extra: dict[str, bytes], salt: int) -> bytes:
    """A layer of the real files under /srv/<salt>/, plus `extra` files (bytes written as given)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for p in sorted(trees.rglob("*")):
            if p.is_file() and not p.is_symlink():
                tf.add(p, arcname=f"srv/{salt}/{p.relative_to(trees).as_posix()}")
        for name, data in extra.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_image(trees: Path, target: Path, size: int) -> tuple[int, int]:
    """A docker-save tarball of about `size` bytes, written layer by layer; returns its size and layers."""
    creds = f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {KEY_SECRET}\n".encode()
    names: list[str] = []
    diff_ids: list[str] = []
    with tarfile.open(target, "w") as out:
        i = 0
        while target.stat().st_size < size:
            extra = {"root/.aws/credentials": creds} if i == 0 else {"root/.aws/.wh.credentials": b""} if i == 1 else {}
            data = layer(trees, extra, i)
            lid = hashlib.sha256(data).hexdigest()
            info = tarfile.TarInfo(f"{lid}/layer.tar")
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
            names.append(info.name)
            diff_ids.append("sha256:" + lid)
            del data
            i += 1
        config = json.dumps({"config": {"Env": ["PATH=/usr/bin"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids},
                             "history": [{"created_by": "COPY . /srv"}] * len(names)}).encode()
        for name, body in (("config.json", config), ("manifest.json", json.dumps(
                [{"Config": "config.json", "RepoTags": ["bench/image:1"], "Layers": names}]).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            out.addfile(info, io.BytesIO(body))
    return target.stat().st_size, len(names)


def keysweep(*args: str) -> list[str]:
    return [sys.executable, "-m", "scanner", *args]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=Path, default=Path("/tmp/realcode/trees"),
                    help="unpacked real-code sdists (benchmarks.realcode makes them)")
    ap.add_argument("--image-mb", type=int, default=1024)
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    if not args.trees.is_dir():
        print(f"{args.trees}: not found; run `python -m benchmarks.realcode --work /tmp/realcode` first",
              file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="ks-sources-"))
    try:
        total = content_bytes(args.trees)
        pack(args.trees, work / "targz", "tar.gz")
        pack(args.trees, work / "zip", "zip")
        runs = [("plain files (--no-archives)", [str(args.trees), "--no-archives"]),
                ("one tar.gz per project", [str(work / "targz")]),
                ("one zip per project", [str(work / "zip")])]
        rows = []
        base = None
        for label, target in runs:
            m = min((run_measured(keysweep("scan", "--format", "json", "--no-progress", *target),
                                  cwd=ROOT, stdout=work / "out.json") for _ in range(3)), key=lambda x: x.wall_s)
            found = len(json.loads((work / "out.json").read_text() or "[]"))
            rate = total / MB / m.wall_s
            base = base or rate
            rows.append([label, f"{total / MB:.0f}", found, f"{m.wall_s:.2f}", f"{m.cpu_s:.2f}", f"{rate:.1f}",
                         f"{rate / base:.0%}", f"{m.peak_rss_sum_mb:.0f}"])
        image = work / "image.tar"
        size, nlayers = write_image(args.trees, image, args.image_mb * MB)
        m = run_measured(keysweep("image", "--format", "json", str(image)), cwd=ROOT, stdout=work / "img.json")
        found = json.loads((work / "img.json").read_text() or "[]")
        gone = [f for f in found if f["path"] == "/root/.aws/credentials" and f["present_in_final"] is False]
        body = "\n".join([
            f"At {git_state(ROOT, ['scanner', 'benchmarks'])}; {machine_facts()['CPU']}, "
            f"{machine_facts()['cores']}. Content: the real-code trees ({total / MB:.0f} MB of sdist files); "
            "best of 3 runs each, same run.",
            "",
            markdown_table(["input", "content MB", "findings", "wall (s)", "CPU (s)", "MB/s", "vs plain",
                            "peak RSS (MB)"], rows),
            "",
            "Target: archives at least 50 % of plain-file throughput on the same content.",
            "",
            markdown_table(["image", "tarball MB", "findings", "deleted key found", "wall (s)", "CPU (s)",
                            "MB/s", "peak RSS (MB)", "< 400 MB"],
                           [[f"docker save, {nlayers} uncompressed layers", f"{size / MB:.0f}",
                             len(found), "yes" if gone else "NO", f"{m.wall_s:.1f}", f"{m.cpu_s:.1f}",
                             f"{size / MB / m.wall_s:.1f}", f"{m.peak_rss_sum_mb:.0f}",
                             "yes" if m.peak_rss_sum_mb < 400 else "NO"]]),
            "",
            "The image is read as one stream (layers one after another, each file within the size limits), so "
            "memory stays near one file's size whatever the image's; only file names are kept per layer.",
        ])
        publish(body, HEADING, ROOT / "benchmarks" / "RESULTS.md", args.write)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
