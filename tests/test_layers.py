"""Each layer does its own work: SQL in the data layer, typed seams, imports at the top.

These checks read the source of the rooms below the surfaces (``data``,
``attribution``, ``optimizer``, ``service``), not the code's own claims.
"""

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("data", "attribution", "optimizer", "service")


def _modules(*rooms):
    for room in rooms:
        for path in sorted((ROOT / room).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path, node):
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_the_models_and_rules_run_no_sql():
    """attribution/ and optimizer/ compute over what they are given: no connection, no query."""
    found = []
    for path, tree in _modules("attribution", "optimizer"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""])
                found += [f"{_where(path, node)}: imports {n}" for n in names
                          if n.split(".")[0] == "duckdb" or n == "touchpath.data.warehouse"]
            elif isinstance(node, ast.Name) and node.id == "load_sql":
                found.append(f"{_where(path, node)}: load_sql")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("execute", "executemany", "sql")):
                found.append(f"{_where(path, node)}: .{node.func.attr}(...)")
    assert not found, "\n".join(found)


def test_no_domain_function_takes_a_warehouse_or_connection_as_any():
    names = {"wh", "warehouse", "conn", "cursor", "connection"}
    found = []
    for path, tree in _modules(*DOMAIN):
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            for arg in args:
                if arg.arg in names and (arg.annotation is None
                                         or ast.unparse(arg.annotation) == "Any"):
                    found.append(f"{_where(path, node)}: {node.name}({arg.arg}: "
                                 f"{ast.unparse(arg.annotation) if arg.annotation else '?'})")
    assert not found, "\n".join(found)


def _comment_lines(source):
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            lines.add(tok.start[0])
    return lines


def test_every_deferred_import_says_why():
    """An import inside a function breaks a cycle or keeps an import path light, and says so.

    The reason is a comment on the import or on the line above it (one comment
    serves a run of consecutive imports).
    """
    found = []
    for path, tree in _modules(*DOMAIN):
        comments = _comment_lines(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                line = node.lineno
                while line - 1 not in comments and line not in comments:
                    above = [n for n in ast.walk(func) if isinstance(n, ast.Import | ast.ImportFrom)
                             and n.end_lineno == line - 1]
                    if not above:
                        break
                    line = above[0].lineno
                if line not in comments and line - 1 not in comments:
                    found.append(f"{_where(path, node)}: {ast.unparse(node)}")
    assert not found, "\n".join(found)


def _loaded_after(modules, watched):
    code = ("import importlib, json, sys\n"
            f"for m in {list(modules)!r}: importlib.import_module(m)\n"
            f"print(json.dumps(sorted(w for w in {list(watched)!r} if w in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_the_deliberately_lazy_imports_stay_out_of_the_math_import_path():
    """What the deferred imports are for: the attribution package (ROI and lifecycle
    included) pulls in no plotting, no terminal progress bars and no ``scipy.optimize``
    (see its ``__init__``); the optimizer no plotting."""
    attribution = ("touchpath.attribution", "touchpath.attribution.roi",
                   "touchpath.attribution.lifecycle")
    assert _loaded_after(attribution, ("matplotlib", "rich", "scipy.optimize")) == "[]"
    assert _loaded_after(("touchpath.optimizer",), ("matplotlib",)) == "[]"
