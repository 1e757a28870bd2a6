"""Copy TensorFlow.js into docs/vendor/tfjs/ from pinned npm tarballs, checked against their sha512 (no Node.js).

The « Entraîner dans le navigateur » page runs the real library, offline and from file://: the
tarballs are downloaded once from the npm registry into a cache, verified against the integrity
hash the registry published (the one a package-lock.json records), and only the few files the page
loads are extracted. The WebAssembly binary is written as base64 in a .js file, because a browser
refuses to fetch() a .wasm file from a page opened from the disk.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_bytes, atomic_write_json, read_json

VERSION = "4.22.0"  # TensorFlow.js release used by the page; the issue measured its speed here


@dataclass(frozen=True)
class NpmPin:
    """One npm package at one version, its registry integrity hash and the files the page uses."""
    name: str
    integrity: str  # "sha512-<base64>", as in `npm view <name>@<version> dist.integrity`
    files: tuple[str, ...]  # paths inside the tarball's package/ folder

    @property
    def tarball(self) -> str:
        return f"{self.name.split('/')[-1]}-{VERSION}.tgz"

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.tarball}"


REGISTRY = "https://registry.npmjs.org"
PINS = (
    # The union bundle: core, layers (tf.sequential, fit), the CPU and WebGL backends.
    NpmPin("@tensorflow/tfjs",
           "sha512-0TrIrXs6/b7FLhLVNmfh8Sah6JgjBPH4mZ8JGb7NU6WW+cx00qK5BcAZxw7NCzxj6N8MRAIfHq+oNbPUNG5VAg==",
           ("dist/tf.es2017.min.js",)),
    # The WebAssembly backend (XNNPACK): about 7 times faster than the CPU backend for this network.
    NpmPin("@tensorflow/tfjs-backend-wasm",
           "sha512-/IYhReRIp4jg/wYW0OwbbJZG8ON87mbz0PgkiP3CdcACRSvUN0h8rvC0O3YcDtkTQtFWF/tcXq/KlVDyV49wmA==",
           ("dist/tf-backend-wasm.es2017.min.js", "dist/tfjs-backend-wasm-simd.wasm")),
)
LICENCE = Path(__file__).with_name("licences") / "Apache-2.0.txt"  # both packages: "license": "Apache-2.0"
WASM_GLOBAL = "TFJS_WASM_SIMD"  # window.TFJS_WASM_SIMD: the SIMD binary in base64
VENDOR_FOLDER = Path("vendor") / "tfjs"  # inside docs/, published as site/vendor/tfjs/
DOWNLOAD_SECONDS = 60


def cache_dir() -> Path:
    """Where verified tarballs are kept between builds: $TFJS_CACHE, else the user's cache folder."""
    if os.environ.get("TFJS_CACHE"):
        return Path(os.environ["TFJS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rapport-fashion-mnist" / "npm"


def integrity_of(data: bytes) -> str:
    """The npm integrity string of some bytes (Subresource Integrity format, sha512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def tarball_bytes(pin: NpmPin, cache: Path) -> bytes:
    """The verified tarball: from the cache when its hash matches, else downloaded once and cached."""
    path = cache / pin.tarball
    if path.exists():
        data = path.read_bytes()
        if integrity_of(data) == pin.integrity:
            return data
        path.unlink()  # a truncated or altered copy: fetch it again rather than trust it
    from pipeline.data.dataset import fetch

    try:
        fetch(pin.url, path)
    except Exception as exc:  # no network, registry error: the same message for all
        path.unlink(missing_ok=True)
        raise PipelineError(
            f"impossible de télécharger {pin.name} {VERSION} depuis le registre npm.",
            where=pin.url,
            fix=f"vérifiez l'accès à {REGISTRY}, ou copiez {pin.tarball} dans {cache} "
                "(TFJS_CACHE=dossier pour en choisir un autre), puis relancez « make report ».",
            detail=f"{type(exc).__name__}: {exc}") from None
    data = path.read_bytes()
    if integrity_of(data) != pin.integrity:
        path.unlink()
        raise PipelineError(
            f"{pin.tarball} ne correspond pas à l'empreinte publiée par le registre npm.",
            where=pin.url, fix="relancez « make report » ; si l'erreur persiste, le registre ou le réseau altère le fichier.",
            detail=f"attendu {pin.integrity}, obtenu {integrity_of(data)}")
    return data


def extract(data: bytes, names: tuple[str, ...]) -> dict[str, bytes]:
    """The named files of an npm tarball (everything lives under package/)."""
    found = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in names:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise PipelineError(f"{name} absent de l'archive npm.", where=name,
                                    fix="vérifiez la liste des fichiers dans pipeline/publish/tfjs_vendor.py.")
            found[name] = member.read()
    return found


def wasm_script(binary: bytes) -> bytes:
    """The .wasm binary as `window.TFJS_WASM_SIMD = "<base64>";`, loadable by <script> from file://."""
    return (f"// tfjs-backend-wasm-simd.wasm de @tensorflow/tfjs-backend-wasm {VERSION} (Apache-2.0), en base64 : "
            f"une page ouverte depuis le disque peut charger un script, pas fetch() un .wasm.\n"
            f"window.{WASM_GLOBAL} = \"{base64.b64encode(binary).decode('ascii')}\";\n").encode("ascii")


def notice(pins: tuple[NpmPin, ...]) -> str:
    lines = ["Fichiers copiés depuis le registre npm par « make report » (pipeline/publish/tfjs_vendor.py),",
             "vérifiés par leur empreinte sha512 publiée, sous licence Apache 2.0 (LICENSE.txt) :", ""]
    for pin in pins:
        lines += [f"{pin.name} {VERSION}", f"  {pin.url}", f"  {pin.integrity}",
                  *(f"  package/{name}" for name in pin.files), ""]
    return "\n".join(lines)


def vendor_files(cache: Path, pins: tuple[NpmPin, ...] = PINS) -> dict[str, bytes]:
    """{file name in docs/vendor/tfjs/: bytes} for every pinned file, the licence and a notice."""
    files: dict[str, bytes] = {}
    for pin in pins:
        for name, content in extract(tarball_bytes(pin, cache), pin.files).items():
            if name.endswith(".wasm"):
                files[Path(name).name + ".js"] = wasm_script(content)
            else:
                files[Path(name).name] = content
    files["LICENSE.txt"] = LICENCE.read_bytes()
    files["NOTICE.txt"] = notice(pins).encode("utf-8")
    return files


def vendor_stage(job) -> None:
    """Stage "tfjs": the pinned, verified TensorFlow.js files into docs/vendor/tfjs/."""
    files = vendor_files(cache_dir())
    for name, content in files.items():
        atomic_write_bytes(job.out("docs/vendor/") / "tfjs" / name, content)
    atomic_write_json(job.out("artifacts/tfjs.json"), {
        "version": VERSION,
        "packages": [{"name": pin.name, "integrity": pin.integrity, "url": pin.url} for pin in PINS],
        "sizes": {name: len(content) for name, content in files.items()},
    })


def summary(job) -> str:
    facts = read_json(job.final("artifacts/tfjs.json"))
    total = sum(facts["sizes"].values())
    return f"TensorFlow.js {facts['version']} vérifié ({str(round(total / 1e6, 1)).replace('.', ',')}\u00a0Mo) dans docs/{VENDOR_FOLDER}/"
