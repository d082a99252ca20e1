"""`keysweep image`: docker-save tarballs (classic and OCI flavoured) and OCI image layouts built by
hand here as tar + JSON (no Docker daemon). Every layer is scanned, also files a later layer deletes or
replaces (present_in_final false), and the config's Env, Labels and history."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from tests.cli.test_scan_cli import invoke
from tests.helpers import AWS_KEY_ID, AWS_SECRET, GITHUB_PAT
from tests.sources.test_archives import zip_bytes

CREDS = f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
TOKEN = f"export GITHUB_TOKEN={GITHUB_PAT}\n"
GH = "github-pat-classic"


def tar_of(members: dict[str, bytes | str | None], links: dict[str, str] | None = None) -> bytes:
    """A tar; a None body is a folder."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            if body is None:
                info.type = tarfile.DIRTYPE
                tf.addfile(info)
                continue
            raw = body.encode() if isinstance(body, str) else body
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def config_of(layers: list[bytes], env: list[str] = (), history: list[str] = (),  # type: ignore[assignment]
              labels: dict[str, str] | None = None) -> bytes:
    return json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin", *env], "Cmd": ["/app/run"], "Labels": labels or {}},
        "rootfs": {"type": "layers", "diff_ids": [sha(x) for x in layers]},
        "history": [{"created_by": h} for h in history],
    }).encode()


def docker_save(layers: list[bytes], config: bytes, tag: str = "acme/api:1.2") -> bytes:
    """The classic `docker save` shape: <id>/layer.tar, <config>.json, manifest.json last."""
    members: dict[str, bytes | str | None] = {}
    names = []
    for i, layer in enumerate(layers):
        lid = hashlib.sha256(b"id%d" % i + layer).hexdigest()
        members[f"{lid}/VERSION"] = "1.0"
        members[f"{lid}/json"] = json.dumps({"id": lid})
        members[f"{lid}/layer.tar"] = layer
        names.append(f"{lid}/layer.tar")
    cfg_name = hashlib.sha256(config).hexdigest() + ".json"
    members[cfg_name] = config
    members["manifest.json"] = json.dumps([{"Config": cfg_name, "RepoTags": [tag], "Layers": names}])
    members["repositories"] = json.dumps({tag.split(":")[0]: {tag.split(":")[1]: "x"}})
    return tar_of(members)


def oci_layout(root: Path, layers: list[bytes], config: bytes, ref: str = "ghcr.io/acme/worker:3",
               multi_arch: bool = False) -> list[str]:
    """An OCI image layout folder with gzip layers; returns the layer digests (of the compressed blobs)."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> str:
        d = sha(data)
        (blobs / d.split(":")[1]).write_bytes(data)
        return d

    gz = [gzip.compress(x, mtime=0) for x in layers]
    digests = [put(x) for x in gz]
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": len(x)}
                   for d, x in zip(digests, gz, strict=True)],
    }).encode()
    entry = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(manifest),
             "size": len(manifest), "platform": {"architecture": "amd64", "os": "linux"}}
    if multi_arch:
        inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": [entry]}).encode()
        entry = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": put(inner), "size": len(inner)}
    entry["annotations"] = {"org.opencontainers.image.ref.name": ref}
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return digests


def tar_folder(root: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for p in sorted(root.rglob("*")):
            tf.add(p, arcname=p.relative_to(root).as_posix(), recursive=False)
    return buf.getvalue()


def image(target: str, *extra: str, stdin: bytes | None = None) -> tuple[int, list[dict], str]:
    code, out, err = invoke(["image", "--format", "json", *extra, target], input=stdin)  # type: ignore[arg-type]
    return code, json.loads(out) if out.strip() else [], err


def by_path(found: list[dict]) -> dict[tuple[str, str], dict]:
    return {(f["rule_id"], f["path"]): f for f in found}


def test_a_key_deleted_by_a_later_layer_is_found_and_marked_gone(tmp_path: Path) -> None:
    base = tar_of({"app": None, "app/.aws": None, "app/.aws/credentials": "[default]\n" + CREDS,
                   "app/main.py": "print('hi')\n"})
    cleanup = tar_of({"app/.aws/.wh.credentials": b""})
    final = tar_of({"srv/deploy.sh": TOKEN})
    layers = [base, cleanup, final]
    cfg = config_of(layers, env=[f"GITHUB_TOKEN={GITHUB_PAT}"],
                    history=["/bin/sh -c #(nop) ADD dir:1 in /app",
                             f"|1 DEPLOY_KEY={AWS_KEY_ID} /bin/sh -c ./install.sh"],
                    labels={"maintainer": "ops@acme.test"})
    tarball = tmp_path / "api.tar"
    tarball.write_bytes(docker_save(layers, cfg))
    code, found, err = image(str(tarball))
    assert code == 1, err
    got = by_path(found)
    gone = got[("aws-access-key-id", "/app/.aws/credentials")]
    assert gone["present_in_final"] is False and gone["layer"] == sha(base) and gone["image"] == "acme/api:1.2"
    alive = got[(GH, "/srv/deploy.sh")]
    assert alive["present_in_final"] is True and alive["layer"] == sha(final)
    env = got[(GH, "image-config:env")]
    assert env["line"] == 2 and env["layer"] is None and env["present_in_final"] is True
    assert ("aws-access-key-id", "image-config:history") in got
    assert not any(p == "image-config:labels" for _, p in got)
    code, out, _ = invoke(["image", str(tarball)])
    assert "removed by a later layer" in out and "in image acme/api:1.2" in out and AWS_SECRET not in out


def test_oci_layout_folder_overwrite_and_opaque_folders(tmp_path: Path) -> None:
    first = tar_of({"etc/app.conf": CREDS, "opt/keys/deploy.sh": TOKEN, "usr/bin/tool.sh": TOKEN})
    second = tar_of({"etc/app.conf": "region = eu-west-1\n", "opt/keys/.wh..wh..opq": b""})
    layout = tmp_path / "layout"
    digests = oci_layout(layout, [first, second], config_of([first, second]), multi_arch=True)
    code, found, err = image(str(layout))
    assert code == 1, err
    got = by_path(found)
    assert got[("aws-access-key-id", "/etc/app.conf")]["present_in_final"] is False
    assert got[(GH, "/opt/keys/deploy.sh")]["present_in_final"] is False
    tool = got[(GH, "/usr/bin/tool.sh")]
    assert tool["present_in_final"] is True
    assert tool["layer"] == digests[0] and tool["image"] == "ghcr.io/acme/worker:3"


def test_oci_tar_on_stdin_and_docker_oci_flavour(tmp_path: Path) -> None:
    layer = tar_of({"home/ci/.npmrc": TOKEN})
    layout = tmp_path / "layout"
    oci_layout(layout, [layer], config_of([layer]))
    code, found, err = image("-", stdin=tar_folder(layout))
    assert code == 1, err
    assert [(f["path"], f["present_in_final"]) for f in found] == [("/home/ci/.npmrc", True)]
    # Docker 25+: an OCI layout with a manifest.json beside it naming blobs/sha256/... and the tag
    (layout / "manifest.json").write_text(json.dumps([{
        "Config": "blobs/sha256/" + next(p.name for p in (layout / "blobs/sha256").iterdir()
                                         if p.read_bytes().startswith(b'{"architecture"')),
        "RepoTags": ["acme/ci:latest"],
        "Layers": [f"blobs/sha256/{hashlib.sha256(gzip.compress(layer, mtime=0)).hexdigest()}"],
    }]))
    code, found, err = image("-", stdin=tar_folder(layout))
    assert code == 1, err
    assert [(f["image"], f["layer"][:7]) for f in found] == [("acme/ci:latest", "sha256:")]


def test_archives_in_layers_and_hostile_member_names_are_only_names(tmp_path: Path, monkeypatch) -> None:
    jar = zip_bytes({"BOOT-INF/classes/application.properties": CREDS, "../../../escape.txt": "x"})
    layer = tar_of({"app/lib/service.jar": jar, "/abs/token.sh": TOKEN, "../../up.sh": TOKEN},
                   links={"app/link": "/etc/shadow"})
    tarball = tmp_path / "img.tar"
    tarball.write_bytes(docker_save([layer], config_of([layer])))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(os.listdir(tmp_path))
    code, found, err = image(str(tarball))
    assert code == 1, err
    paths = {f["path"] for f in found}
    assert "/app/lib/service.jar!BOOT-INF/classes/application.properties" in paths
    assert "/abs/token.sh" in paths
    assert os.listdir(work) == [] and sorted(os.listdir(tmp_path)) == before


def test_truncated_tarball_keeps_what_came_before(tmp_path: Path) -> None:
    layers = [tar_of({"a/one.sh": TOKEN}), tar_of({"b/pad.bin": os.urandom(200_000), "b/two.env": CREDS})]
    data = docker_save(layers, config_of(layers))
    cut = data.index(layers[1][:512]) + 100_000  # inside the second layer
    tarball = tmp_path / "cut.tar"
    tarball.write_bytes(data[:cut])
    code, found, err = image(str(tarball))
    assert code == 1
    assert {f["path"] for f in found} == {"/a/one.sh"}
    assert "truncated or corrupt" in err and "cut.tar" in err


def test_corrupt_manifest_and_missing_layer_are_named(tmp_path: Path) -> None:
    layer = tar_of({"x/key.env": CREDS})
    tarball = tmp_path / "img.tar"
    raw = docker_save([layer], config_of([layer]))
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        members = {m.name: tf.extractfile(m).read() for m in tf if m.isfile()}  # type: ignore[union-attr]
    members["manifest.json"] = b'[{"Config": '  # cut short
    tarball.write_bytes(tar_of(members))  # type: ignore[arg-type]
    code, found, err = image(str(tarball))
    assert code == 1
    assert "manifest.json: not valid JSON" in err
    assert [(f["path"], f["present_in_final"]) for f in found if f["rule_id"] == "aws-access-key-id"] == [
        ("/x/key.env", False)]
    manifest = json.loads(members.pop("manifest.json").decode() + '"c.json", "Layers": ["gone/layer.tar"]}]')
    members["manifest.json"] = json.dumps(manifest).encode()
    tarball.write_bytes(tar_of(members))  # type: ignore[arg-type]
    code, found, err = image(str(tarball))
    assert "layer gone/layer.tar of img.tar is missing" in err.replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize("content", [b"not an image at all\n", b""])
def test_not_an_image_is_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "x.tar"
    p.write_bytes(content)
    code, found, err = image(str(p))
    assert code == 2 and found == []
    assert len(err.strip().splitlines()) == 1 and str(p) in err


def test_a_tar_that_is_no_image_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "plain.tar"
    p.write_bytes(tar_of({"readme.txt": "hello\n"}))
    code, _, err = image(str(p))
    assert code == 2 and "no manifest.json or index.json" in err
    code, _, err = image(str(tmp_path / "missing.tar"))
    assert code == 2 and "no such file" in err
