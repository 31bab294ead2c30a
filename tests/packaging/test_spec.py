"""The PyInstaller spec bundles every Qt module the code imports (the rest are excluded)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def qt_modules_in_spec() -> set[str]:
    """The spec's QT_MODULES_USED set literal."""
    tree = ast.parse((ROOT / "packaging" / "deskmail.spec").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "QT_MODULES_USED" for t in node.targets):
            return {str(ast.literal_eval(e)) for e in node.value.elts}  # type: ignore[attr-defined]
    raise AssertionError("QT_MODULES_USED not found in packaging/deskmail.spec")


def qt_modules_imported() -> dict[str, set[str]]:
    """PySide6 modules imported anywhere in deskmail/, with the files that import them."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "deskmail").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if len(parts) >= 2 and parts[0] == "PySide6" and parts[1].startswith("Qt"):
                    found.setdefault(parts[1], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_qt_module_is_bundled() -> None:
    bundled = qt_modules_in_spec()
    missing = {module: files for module, files in qt_modules_imported().items() if module not in bundled}
    assert not missing, f"add these to QT_MODULES_USED in packaging/deskmail.spec (else excluded): {missing}"


def test_the_debs_dependencies_are_installed_by_install_system_deps() -> None:
    # The install test runs `dpkg -i` on a fresh CI machine: every Depends must already be there.
    # A line "new | old" (the 64-bit time_t renames) is met when one alternative is in the list.
    depends = (ROOT / "packaging" / "linux" / "debian" / "depends").read_text().splitlines()
    wanted = [
        {alternative.split()[0] for alternative in line.split("|")}
        for line in depends
        if line.strip() and not line.startswith("#")
    ]
    script = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", (ROOT / "scripts" / "install-system-deps").read_text()))
    missing = sorted(" | ".join(sorted(names)) for names in wanted if not names & (script | {"libc6"}))
    assert not missing, f"add to RUNTIME in scripts/install-system-deps: {missing}"


def test_the_deb_brings_fonts_for_every_script_and_emoji() -> None:
    # Japanese, Chinese, Korean and emoji showed as boxes with only DejaVu: the .deb recommends Noto
    # (apt installs recommends by default), and the test machines get them so screenshots show glyphs.
    control = (ROOT / "packaging" / "linux" / "debian" / "control.in").read_text()
    recommends = next(line for line in control.splitlines() if line.startswith("Recommends:"))
    runtime = (ROOT / "scripts" / "install-system-deps").read_text().split('TEST="')[0]
    for package in ("fonts-noto-cjk", "fonts-noto-color-emoji"):
        assert package in recommends and package in runtime
