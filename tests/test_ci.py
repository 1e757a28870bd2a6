"""The CI entry point installs every program the tests look for, so that none of them skips on a fresh machine."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The Debian package of each program a test looks up with shutil.which (None: part of every Debian system).
PACKAGE_OF = {"node": "nodejs", "hunspell": "hunspell", "unshare": None}


def installed_by_ci() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "apt-get install" in line)
    return set(line.split("apt-get install", 1)[1].split()) - {"-y", "-qq", ">/dev/null"}


def test_every_program_a_test_looks_for_is_installed_by_ci_run():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("*.py"))
    wanted = set(re.findall(r'shutil\.which\("([\w-]+)"\)', source))
    assert "node" in wanted and wanted <= set(PACKAGE_OF), wanted - set(PACKAGE_OF)
    packages = installed_by_ci()
    assert {PACKAGE_OF[name] for name in wanted if PACKAGE_OF[name]} <= packages, packages


def test_the_github_workflow_runs_ci_run_in_a_debian_container():
    workflow = (ROOT / ".github" / "workflows" / "site.yml").read_text(encoding="utf-8")
    assert "run: bash .ci/run" in workflow and "bookworm" in workflow
