"""`make serve` and the Makefile from another folder: French messages, no traceback, the site served as built."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.common.errors import PipelineError
from pipeline.publish import serve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path):
    """The Makefile and the package beside a built site/ (one page is enough to serve)."""
    root = tmp_path / "projet"
    (root / "site").mkdir(parents=True)
    (root / "site" / "index.html").write_text("<h1>Accueil</h1>", encoding="utf-8")
    for name in ("Makefile", "requirements.in"):  # the Makefile reads the TensorFlow version there
        (root / name).write_bytes((ROOT / name).read_bytes())
    (root / "pipeline").symlink_to(ROOT / "pipeline")
    return root


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make(project, *args, cwd=None):
    return subprocess.run(["make", "-s", *args], cwd=cwd or project, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHON": "python3"})


@pytest.mark.parametrize("text", ["abc", "0", "70000", ""])
def test_a_port_that_is_not_one_is_refused_in_french(text):
    with pytest.raises(PipelineError) as info:
        serve.parse_port(text)
    assert "entier de 1 à 65535" in info.value.what and "PORT=8080 make serve" in info.value.fix


def test_make_serve_with_port_abc_says_so_in_french(project):
    result = make(project, "serve", "PORT=abc")
    assert result.returncode == 2 and result.stderr.startswith("Erreur : PORT doit être un numéro de port")
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr and "Site servi" not in result.stdout


def test_make_serve_on_a_busy_port_says_so_before_announcing_an_address(project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = make(project, "serve", f"PORT={port}")
    assert result.returncode == 2 and f"le port {port} est déjà utilisé" in result.stderr
    assert f"PORT={port + 1} make serve" in result.stderr
    assert "Traceback" not in result.stderr and "Site servi" not in result.stdout


def test_make_serve_serves_the_site_and_stops_on_ctrl_c(project):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "pipeline.publish.serve", "--root", str(project),
                                "--port", str(port)], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline().startswith(f"Site servi sur http://127.0.0.1:{port}/")
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert page == b"<h1>Accueil</h1>"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Serveur arrêté" in out and err == ""


def test_without_a_site_make_serve_says_to_build_it(project):
    (project / "site" / "index.html").unlink()
    result = make(project, "serve")
    assert result.returncode == 2 and "make report" in result.stderr and "Traceback" not in result.stderr


def test_the_makefile_runs_its_recipes_in_the_project_s_folder_from_any_folder(project, tmp_path):
    """make -f chemin/Makefile: `python -m pipeline…` finds its package, the recipes their files."""
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    result = make(project, "-f", str(project / "Makefile"), "serve", "PORT=abc", cwd=elsewhere)
    assert result.returncode == 2 and "PORT doit être un numéro de port" in result.stderr
    assert "No module named" not in result.stderr
    listing = make(project, "-f", str(project / "Makefile"), "help", cwd=elsewhere)
    assert listing.returncode == 0 and "make report" in listing.stdout
