"""The import graph keeps its layers: foundation <- models <- domain <- api <- app.

A lower layer never imports a higher one, not even inside a function (a lazy import is still a
dependency): models know nothing of the rules, the rules nothing of HTTP, HTTP nothing of the wiring.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Modules every layer may use: configuration, time, errors, logs, ids, AWS clients, input checks, cursors, lifetimes.
FOUNDATION = {"chalicelib.config", "chalicelib.clock", "chalicelib.errors", "chalicelib.logs", "chalicelib.tokens",
              "chalicelib.aws", "chalicelib.validation", "chalicelib.pagination", "chalicelib.lifetimes"}
LAYERS = ("foundation", "models", "domain", "api", "app")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    if module == "app":
        return LAYERS.index("app")
    if module in FOUNDATION:
        return LAYERS.index("foundation")
    if module == "chalicelib.models" or module.startswith("chalicelib.models."):
        return LAYERS.index("models")
    if module == "chalicelib.api" or module.startswith("chalicelib.api."):
        return LAYERS.index("api")
    return LAYERS.index("domain")


def _imports(path: Path) -> set[str]:
    """Every chalicelib module or app that ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from chalicelib import sms` imports the package chalicelib.sms
            found.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "chalicelib")
    return {name for name in found if name == "app" or (name.startswith("chalicelib.") and name != "chalicelib")}


def _graph() -> dict[str, set[str]]:
    paths = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    return {_module_name(path): _imports(path) for path in paths}


def test_no_module_imports_a_higher_layer():
    # GIVEN the import graph of app.py and chalicelib
    graph = _graph()
    # WHEN each import is compared with the importer's layer
    upward = sorted(f"{module} ({LAYERS[_layer(module)]}) imports {name} ({LAYERS[_layer(name)]})"
                    for module, names in graph.items() for name in names if _layer(name) > _layer(module))
    # THEN none goes up
    assert upward == []


def test_members_and_binding_do_not_import_each_other():
    # GIVEN the two areas (binding uses members to bind; members must not need binding back)
    graph = _graph()
    # THEN no members module imports binding
    assert sorted(f"{module} imports {name}" for module, names in graph.items()
                  if module.startswith("chalicelib.members")
                  for name in names if name.startswith("chalicelib.binding")) == []


# --- channel names ----------------------------------------------------------------------------------

def _channel_names() -> set[str]:
    from chalicelib.channels.registry import ADAPTERS

    return set(ADAPTERS)


def _compared_strings(node: ast.Compare) -> set[str]:
    """The string constants a comparison tests against (``x == "line"``, ``x in ("line", "whatsapp")``)."""
    found: set[str] = set()
    for side in (node.left, *node.comparators):
        parts = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
        found.update(part.value for part in parts if isinstance(part, ast.Constant) and isinstance(part.value, str))
    return found


def test_no_channel_name_is_compared_outside_the_channel_adapters():
    # GIVEN every Python module of the app outside chalicelib/channels/
    names = _channel_names()
    paths = [ROOT / "app.py", *sorted(p for p in (ROOT / "chalicelib").rglob("*.py")
                                      if "channels" not in p.relative_to(ROOT / "chalicelib").parts[:1])]
    # WHEN each comparison is read
    compared = sorted(f"{path.relative_to(ROOT)}:{node.lineno} compares with {sorted(hit)}"
                      for path in paths for node in ast.walk(ast.parse(path.read_text()))
                      if isinstance(node, ast.Compare) and (hit := _compared_strings(node) & names))
    # THEN none tests a channel's name: what differs by channel is asked of its adapter
    assert compared == []


def test_the_console_compares_no_channel_name_either():
    # GIVEN the console's and the staff app's scripts, which read the channel registry from the API
    import re

    names = "|".join(sorted(_channel_names()))
    pattern = re.compile(rf"""[=!]==?\s*['"]({names})['"]|['"]({names})['"]\s*[=!]==?""")
    scripts = sorted((ROOT / "chalicelib" / "pages").rglob("*.js"))
    # WHEN each is searched for a comparison with a channel's name
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in scripts
             for match in pattern.finditer(path.read_text())]
    # THEN there is none
    assert found == []
