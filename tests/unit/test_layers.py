"""The import graph keeps its layers: foundation <- models <- domain <- api <- app; and the domain its areas.

A lower layer never imports a higher one, not even inside a function (a lazy import is still a
dependency): models know nothing of the rules, the rules nothing of HTTP, HTTP nothing of the wiring.
Inside the domain, :data:`DOMAIN_ORDER` lists the areas from the bottom up: an area uses only the
ones below it. ``from chalicelib.x import y`` depends on the module ``chalicelib.x.y`` when ``y`` is
one (a package's ``__init__`` that only re-exports is not in the way), else on ``chalicelib.x``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Modules every layer may use: configuration, time, errors, logs, ids, AWS clients, input checks, cursors, lifetimes.
FOUNDATION = {"chalicelib.config", "chalicelib.clock", "chalicelib.errors", "chalicelib.logs", "chalicelib.tokens",
              "chalicelib.aws", "chalicelib.validation", "chalicelib.pagination", "chalicelib.lifetimes"}
LAYERS = ("foundation", "models", "domain", "api", "app")
# The domain's areas, each using only those before it (a module belongs to the longest entry it starts with).
DOMAIN_ORDER = (
    "chalicelib.secrets",  # SSM parameters
    "chalicelib.links",  # the stage's public API URL, from configuration only
    "chalicelib.i18n",  # the words a person reads, in the store's language
    "chalicelib.single_use",  # the rules of every single-use link
    "chalicelib.qr",
    "chalicelib.schedules",
    "chalicelib.handoff",  # the template's worker functions, invoked asynchronously
    "chalicelib.deferred",  # work handed to a later invocation
    "chalicelib.abuse",  # rate limits and lockouts
    "chalicelib.access",  # API keys, who the request acts for
    "chalicelib.audit",  # the audit trail, joined to the action's own write
    "chalicelib.sms",  # phones, segments, limits, the SNS sender
    "chalicelib.email",  # the one e-mail sender, our inbound addresses
    "chalicelib.mailtext",  # a customer's e-mailed words: charsets, quotes cut
    "chalicelib.verification",  # codes and tokens sent to a member
    "chalicelib.channels",  # one adapter per messaging platform
    "chalicelib.conversations",  # the conversation core: every kind, messages, unread counts, reply window
    "chalicelib.inbox",  # webhooks in, replies out, blacklist, auto-replies
    "chalicelib.members.core",  # the member and their identities
    "chalicelib.consent",  # marketing consent and its log
    "chalicelib.members",  # member flows: accounts, imports, search, profiles, tags, notes
    "chalicelib.team",  # console people, their sessions and two-factor, conversation assignment
    "chalicelib.stores",  # store settings, branches, staff
    "chalicelib.senders",  # the addresses and domains a store's mail may go From (SES identities)
    "chalicelib.messages",  # the storefront's messages, e-mailed replies, inbound mail
    "chalicelib.reports",
    "chalicelib.lifecycle",  # stages: the rule, parameters, recompute, the daily run
    "chalicelib.members.listing",  # the customer list's filters: tags, stages, consent, the blacklist
    "chalicelib.members.exports",  # the customer export: the list's filters, CSV rows to S3
    "chalicelib.marketing",  # consent-checked sends to an audience
    "chalicelib.referrals",  # staff referrals and LINE binding at the counter
    "chalicelib.binding",  # social account binding, links, orders
)
PACKAGE = "chalicelib"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


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


def _area(module: str) -> str | None:
    """The DOMAIN_ORDER entry a domain module belongs to (the longest that names it or its package)."""
    found = [area for area in DOMAIN_ORDER if module == area or module.startswith(area + ".")]
    return max(found, key=len) if found else None


def _imports(path: Path) -> set[str]:
    """Every chalicelib module or app that ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names
                          if _is_module(f"{node.module}.{alias.name}")}
            found.update(submodules)
            if len(submodules) < len(node.names) and node.module != PACKAGE:
                found.add(node.module)  # names defined by the module (or re-exported by the package) itself
    return {name for name in found if name == "app" or (name.startswith("chalicelib.") and name != "chalicelib")}


def _graph() -> dict[str, set[str]]:
    paths = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    return {_module_name(path): _imports(path) for path in paths}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for name in graph.get(module, ()):
            if name not in graph:
                continue
            if name not in index:
                visit(name)
                low[module] = min(low[module], low[name])
            elif name in stack:
                low[module] = min(low[module], index[name])
        if low[module] == index[module]:
            group = []
            while True:
                name = stack.pop()
                group.append(name)
                if name == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_a_higher_layer():
    # GIVEN the import graph of app.py and chalicelib
    graph = _graph()
    # WHEN each import is compared with the importer's layer
    upward = sorted(f"{module} ({LAYERS[_layer(module)]}) imports {name} ({LAYERS[_layer(name)]})"
                    for module, names in graph.items() for name in names if _layer(name) > _layer(module))
    # THEN none goes up
    assert upward == []


def test_every_domain_module_belongs_to_an_area_of_the_order():
    # GIVEN the domain modules; THEN each is in one of DOMAIN_ORDER's areas (a new area is placed on purpose)
    graph = _graph()
    assert sorted(m for m in graph if _layer(m) == LAYERS.index("domain") and m != PACKAGE and _area(m) is None) == []


def test_domain_areas_use_only_the_areas_below_them():
    # GIVEN the import graph, function-level imports included
    graph = _graph()
    # WHEN each import between two domain areas is placed in DOMAIN_ORDER
    upward = sorted(f"{module} ({_area(module)}) imports {name} ({_area(name)})"
                    for module, names in graph.items() if _area(module)
                    for name in names if _area(name) and
                    DOMAIN_ORDER.index(str(_area(name))) > DOMAIN_ORDER.index(str(_area(module))))
    # THEN none points up the order
    assert upward == []


def test_no_import_cycle_among_chalicelib_modules():
    # GIVEN the import graph, imports inside functions included
    # WHEN its strongly connected groups are found; THEN there are none: every dependency goes one way
    assert _cycles(_graph()) == []


def test_the_checker_sees_imports_inside_functions_and_cycles_through_them(tmp_path: Path):
    # GIVEN a module that imports another only inside a function, as binding.orders once did
    module = tmp_path / "orders.py"
    module.write_text("def recompute():\n    from chalicelib.lifecycle.incremental import recompute_member\n")
    # WHEN its imports are read; THEN the function-level one counts
    assert _imports(module) == {"chalicelib.lifecycle.incremental"}
    # AND a cycle closed by it is found
    assert _cycles({"chalicelib.binding.orders": {"chalicelib.lifecycle.incremental"},
                    "chalicelib.lifecycle.incremental": {"chalicelib.binding.orders"}}) == [
        ["chalicelib.binding.orders", "chalicelib.lifecycle.incremental"]]


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
