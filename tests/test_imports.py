"""Importing is cheap until a stage runs, and every public name resolves to what it says."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

import cinemagraph

HEAVY = ("torch", "numba", "cv2", "numpy", "scipy", "diffusers", "transformers", "PIL")

PACKAGES = ["cinemagraph", *(f"cinemagraph.{m.name}" for m in pkgutil.iter_modules(
    cinemagraph.__path__) if m.ispkg)]


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    return result.stdout.split()


def _prints_ok(code: str) -> None:
    """Run ``code`` in a fresh interpreter; it must succeed and print ok."""
    result = subprocess.run([sys.executable, "-c", f"{code}\nprint('ok')"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_command_line_answers_help_without_loading_the_stages():
    code = ("from cinemagraph.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['--help']) == 0\n"
            "    for command in ('animate', 'demo', 'motion', 'create', 'generate', 'dataset',\n"
            "                    'train-motion', 'train-synthesis'):\n"
            "        assert main([command, '--help']) == 0, command")
    assert _loaded_after(code) == []
    assert _loaded_after("import cinemagraph") == []


@pytest.mark.parametrize("first", [
    "import cinemagraph.animate.engine",  # the subpackage's modules first
    "from cinemagraph import animate_image",  # another name first
    "pass",
])
def test_cinemagraph_animate_is_the_function_whatever_is_imported_first(first):
    code = (f"{first}\nimport cinemagraph\nfrom cinemagraph import animate\n"
            "from cinemagraph.animate import engine, AnimateSettings\n"
            "assert animate is cinemagraph.animate is engine.animate, animate\n"
            "assert AnimateSettings is cinemagraph.AnimateSettings")
    _prints_ok(code)


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_resolves_and_none_is_a_submodule_name(name):
    package = importlib.import_module(name)
    exported = [n for n in getattr(package, "__all__", []) if n != "__version__"]
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    for export in exported:
        value = getattr(package, export)
        assert not isinstance(value, type(sys)), f"{name}.{export} is a module"
        assert export in dir(package)
        if name != "cinemagraph":  # cinemagraph.animate: the function (see the test above)
            assert export not in submodules, f"{name}.{export} is also a submodule"
    with pytest.raises(AttributeError):
        _ = package.no_such_name
    if hasattr(package, "__getattr__"):  # a lazy package: submodules are attributes too
        for submodule in submodules - set(exported) - {"__main__"}:
            assert getattr(package, submodule) is sys.modules[f"{name}.{submodule}"]


def test_a_subpackage_is_an_attribute_without_importing_it_by_name():
    code = ("import cinemagraph\n"
            "assert callable(cinemagraph.motion.hints.parse_hint)\n"
            "assert callable(cinemagraph.dataset.layout.open_dataset)")
    _prints_ok(code)
