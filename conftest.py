"""Shared by tests/ and sim/: how `make test` spreads the suite over CPUs (pytest-xdist).

Under `--dist loadgroup` each test file runs on one worker, so a module's fixtures (an SVHN
build, a compiled core) are made once. Files that share on-disk builds name one group."""
import pytest

# sim/network's two benches compile the same cores into the same build directories
SHARED_BUILDS = {"sim/network/": "sim-network-cores"}


def pytest_configure(config):    # known without xdist too (JOBS=1, -p no:xdist)
    config.addinivalue_line("markers", "xdist_group(name): tests that run on one xdist worker")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        path = item.nodeid.split("::")[0]
        group = next((g for prefix, g in SHARED_BUILDS.items() if path.startswith(prefix)), path)
        item.add_marker(pytest.mark.xdist_group(group))
