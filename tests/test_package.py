"""The package layout a PyTorch user relies on after a bare import."""

import subprocess
import sys


def test_bare_import_exposes_submodules():
    # a fresh interpreter: other tests may already have imported the submodules
    code = (
        "import glasstorch as torch\n"
        "print(torch.nn.Linear.__name__, torch.nn.functional.relu.__name__, torch.optim.SGD.__name__,\n"
        "      torch.optim.lr_scheduler.StepLR.__name__, torch.utils.data.DataLoader.__name__,\n"
        "      torch.autograd.grad.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["Linear", "relu", "SGD", "StepLR", "DataLoader", "grad"]


def test_lazy_submodules_after_bare_import():
    code = (
        "import sys\n"
        "import glasstorch as torch\n"
        "print('glasstorch.datasets' in sys.modules, 'glasstorch.viz' in sys.modules)\n"
        "print(torch.datasets.make_moons.__name__, torch.viz.draw_graph.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # not loaded by the import itself, yet reachable by attribute
    assert out.split() == ["False", "False", "make_moons", "draw_graph"]


def test_dir_holds_no_internals():
    import types

    import glasstorch

    names = dir(glasstorch)
    internals = {"annotations", "backend", "creation", "pointwise", "reduce", "shape", "indexing", "ops", "dtypes"}
    assert not internals & set(names)
    assert not [n for n in names if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))]
    # every module dir() shows is a public namespace torch also has
    modules = {n for n in names if isinstance(getattr(glasstorch, n), types.ModuleType)}
    assert {"nn", "optim", "utils", "autograd", "datasets", "viz"} <= modules
    assert set(glasstorch.__all__) <= set(names)
    assert "tensor" in names and callable(glasstorch.tensor)


def test_missing_attribute_suggests_no_internal():
    import glasstorch

    for name in ("backendz", "not_a_namespace"):
        try:
            getattr(glasstorch, name)
        except AttributeError as e:
            assert f"no attribute '{name}'" in str(e)
        else:
            raise AssertionError(name)
    # ``linalg`` is the public namespace's name, never the internal ops module
    linalg = getattr(glasstorch, "linalg", None)
    assert linalg is None or linalg.__name__ == "glasstorch.linalg"
