"""The layout: one import namespace, every package installed, the flow one-way.

Touchpath installs under ``touchpath`` only; the rooms are top-level folders mapped
by ``[tool.setuptools.package-dir]`` (``touchpath.data`` is ``./data``). These
checks read the repository and the installed package, not the code's own claims.
"""

import ast
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("data", "attribution", "optimizer", "service", "api", "cli", "report")
#: Which rooms each room may import (DESIGN.md: data → attribution → optimizer →
#: service → surfaces). The CLI starts the API (``touchpath serve``) and writes the
#: report (``touchpath report``, the demo); no other surface imports another.
ALLOWED = {
    "data": set(),
    "attribution": {"data"},
    "optimizer": {"data", "attribution"},
    "service": {"data", "attribution", "optimizer"},
    "api": {"data", "attribution", "optimizer", "service"},
    "cli": {"data", "attribution", "optimizer", "service", "api", "report"},
    "report": {"data", "attribution", "optimizer", "service"},
}


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _package_folders():
    for room in ROOMS:
        for init in sorted((ROOT / room).rglob("__init__.py")):
            rel = init.parent.relative_to(ROOT)
            yield "touchpath." + ".".join(rel.parts)


def test_every_package_folder_is_listed_and_mapped():
    setup = _pyproject()["tool"]["setuptools"]
    listed = set(setup["packages"])
    assert set(_package_folders()) | {"touchpath"} <= listed
    mapping = setup["package-dir"]
    assert {f"touchpath.{room}": room for room in ROOMS}.items() <= mapping.items()
    assert mapping["touchpath"] == "touchpath"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _product_files():
    for room in ROOMS:
        yield from sorted((ROOT / room).rglob("*.py"))
    yield from sorted((ROOT / "touchpath").rglob("*.py"))


def test_no_module_imports_a_bare_room_name():
    bare = set(ROOMS)
    found = [f"{f.relative_to(ROOT)}:{line}: import {name}"
             for f in [*_product_files(), *sorted((ROOT / "tests").rglob("*.py")),
                       *sorted((ROOT / "bench").rglob("*.py"))]
             for line, name in _imports(f) if name.split(".")[0] in bare]
    assert not found, "\n".join(found)


def test_rooms_import_only_the_rooms_before_them():
    wrong = []
    for room in ROOMS:
        for f in sorted((ROOT / room).rglob("*.py")):
            for line, name in _imports(f):
                parts = name.split(".")
                if parts[0] != "touchpath" or len(parts) < 2 or parts[1] not in ROOMS:
                    continue
                if parts[1] != room and parts[1] not in ALLOWED[room]:
                    wrong.append(f"{f.relative_to(ROOT)}:{line}: {room} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_nothing_installs_a_bare_top_level_module(tmp_path):
    """Outside the repository, ``data`` / ``api`` / ... are not importable from the install."""
    code = ("import importlib.util, json; print(json.dumps({n: importlib.util.find_spec(n) "
            f"is not None for n in {list(ROOMS)!r}}})); import touchpath.data.warehouse")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "{" + ", ".join(f'"{r}": false' for r in ROOMS) + "}"


def test_a_users_own_data_folder_does_not_shadow_touchpath(tmp_path):
    """The reported failure: any folder named ``data/`` on PYTHONPATH broke ``touchpath ingest``."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "__init__.py").write_text("")
    (tmp_path / "api").mkdir()
    csv = tmp_path / "t.csv"
    csv.write_text("event_id,user_id,ts,channel\ne1,u1,2026-01-02T10:00:00Z,search\n")
    script = Path(sys.executable).with_name("touchpath")
    if not script.exists():
        pytest.skip("the touchpath script is not installed next to this interpreter")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([str(script), "ingest", str(csv), "--table", "touchpoints",
                          "--db", str(tmp_path / "w.duckdb")],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


def test_the_sql_files_ship_with_the_package():
    spec = importlib.util.find_spec("touchpath.data")
    assert spec is not None and spec.submodule_search_locations
    sql = Path(next(iter(spec.submodule_search_locations))) / "sql"
    assert (sql / "journeys.sql").is_file()


def _touchpath_imports(path: Path):
    """``touchpath.*`` modules ``path`` imports (``from touchpath import x`` as ``touchpath.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "touchpath":
            for alias in node.names:
                yield node.lineno, f"touchpath.{alias.name}"
    for line, name in _imports(path):
        if name.startswith("touchpath."):
            yield line, name


def test_the_report_is_a_surface_over_the_service_layer():
    """The report reads the rooms below it, never another surface (the API, the CLI)."""
    allowed = ("touchpath.data", "touchpath.attribution", "touchpath.optimizer",
               "touchpath.service", "touchpath.report", "touchpath.errors")
    found = [f"{f.relative_to(ROOT)}:{line}: import {name}"
             for f in sorted((ROOT / "report").rglob("*.py"))
             for line, name in _touchpath_imports(f)
             if not any(name == room or name.startswith(room + ".") for room in allowed)]
    assert not found, "\n".join(found)
