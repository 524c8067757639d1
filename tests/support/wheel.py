"""compstat-desk as a user gets it: the wheel built from the checkout with no network, installed with no dependencies
into a fresh virtualenv outside the checkout that borrows the test virtualenv's libraries, and run from a folder
outside the checkout with no PYTHONPATH, so that nothing can fall back to the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

from support.paths import ROOT


@dataclass
class InstalledWheel:
    wheel: Path
    venv: Path
    home: Path  # a folder of its own: the current folder of every command, and the user's data and settings

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")}
        env.update(PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", QT_QPA_PLATFORM="offscreen",
                   XDG_DATA_HOME=str(self.home / "data"), XDG_CONFIG_HOME=str(self.home / "config"))
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`compstat-desk ARGS…` of the installed wheel, in `home`."""
        return subprocess.run([str(self.venv / "bin" / "compstat-desk"), *args], cwd=self.home, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def run_python(self, code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.python), "-c", code], cwd=self.home, env=self.env(), capture_output=True,
                              text=True, timeout=60)

    def names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as whl:
            return whl.namelist()


def build_and_install(where: Path) -> InstalledWheel:
    """Build the wheel from a copy of what a build reads (pyproject.toml, README.md, compstat_desk/: setuptools
    builds in the source tree, and a stale build/ there could slip old files in), install it into `where`/venv."""
    source = where / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "compstat_desk", source / "compstat_desk",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = where / "dist"
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
            "--wheel-dir", str(dist), str(source)])
    (wheel,) = dist.glob("compstat_desk-*.whl")

    venv = where / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    _check([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
            "--no-index", "-q", str(wheel)])
    # The dependencies come from the test virtualenv: a .pth line adds its site-packages after the venv's own, as a
    # plain folder (its own .pth files, the checkout's editable install among them, are not read).
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "test_venv_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(borrowed)))
    home = where / "home"
    home.mkdir()
    return InstalledWheel(wheel, venv, home)


def _check(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
