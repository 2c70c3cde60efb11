"""The layering the README promises, checked on the imports themselves (parsed, not grepped):

- components/ are pure layout builders: they never import the store's backends or
  anything else that does I/O (the REST API's server side, the references' resolvers,
  accounts, ingest, Flask, SQLAlchemy). The one part of portal.store they may use is its
  contract, portal.store.protocol: frozen value types (AssetQuery, AuditEntry, UNSET) that
  the view-models hand them — and that module is itself checked to import no I/O;
- portal/qc/ is the QC domain: it never imports Dash or Flask;
- portal/ keeps at most ~8 modules at its top level, and no sub-package is one file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[str]:
    """Every module a file imports (absolute names; `from x import y` gives x and x.y)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    # Imports under `if TYPE_CHECKING:` are for type checkers only: they never run.
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                   for inner in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _violations(folder: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                out.append(f"{path.relative_to(root)} imports {name}")
    return out


# What a component may not reach: the stores, the server side of the API, the resolvers
# that fetch files, the account store, the ingest, and Flask's request-bound objects.
COMPONENT_FORBIDDEN = ("portal.store.sql", "portal.store.docdb", "portal.store.merge", "portal.api.reads",
                       "portal.api.writes", "portal.references.resolve",
                       "portal.references.route", "portal.references.s3", "portal.references.kachery",
                       "portal.accounts.users", "portal.accounts.tokens", "portal.transfer", "portal.context",
                       "flask", "sqlalchemy", "requests", "boto3")


def test_components_do_no_io():
    assert _violations("components", COMPONENT_FORBIDDEN) == []
    allowed = {"portal.store", "portal.store.protocol"}
    store_imports = [f"{path.relative_to(ROOT)} imports {name}" for path in (ROOT / "components").rglob("*.py")
                     for name in _imports(path) if name.startswith("portal.store")
                     and name not in allowed and not name.startswith("portal.store.protocol.")]
    assert store_imports == []


def test_the_store_contract_components_use_does_no_io():
    imported = _imports(ROOT / "portal/store/protocol.py")
    assert not [name for name in imported if name.split(".")[0] in ("sqlalchemy", "requests", "boto3", "flask")
                or name.startswith(("portal.store.sql", "portal.store.docdb"))], imported


def test_the_qc_domain_imports_neither_dash_nor_flask():
    assert _violations("portal/qc", ("dash", "flask", "flask_login", "dash_bootstrap_components",
                                     "dash_ag_grid")) == []


@pytest.mark.parametrize(("folder", "forbidden", "bad_file"), [
    ("components", COMPONENT_FORBIDDEN, "from portal.store.sql.store import SqlAssetStore\n"),
    ("portal/qc", ("flask",), "import flask\n"),
])
def test_the_checks_catch_a_violation(tmp_path, folder, forbidden, bad_file):
    """The checks above can fail: a planted bad import is reported."""
    planted = tmp_path / folder
    planted.mkdir(parents=True)
    (planted / "bad.py").write_text(bad_file)
    assert _violations(folder, forbidden, tmp_path)[0].startswith(f"{folder}/bad.py imports {bad_file.split()[1]}")


def test_portal_top_level_is_small_and_packages_are_not_single_files():
    modules = sorted(p.name for p in (ROOT / "portal").glob("*.py"))
    assert len(modules) <= 8, modules
    for package in (ROOT / "portal").rglob("__init__.py"):
        others = [p for p in package.parent.iterdir() if p.name != "__init__.py" and p.name != "__pycache__"
                  and (p.suffix == ".py" or p.is_dir())]
        assert len(others) >= 2 or package.parent.name == "migrations", f"{package.parent} holds one file"
        assert ast.get_docstring(ast.parse(package.read_text())), f"{package} says nothing about what it holds"
