import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def real_svhn():
    """The four real SVHN test images, when present beside the checkout."""
    from streamcnn.data import find_real_samples
    found = find_real_samples()
    if found is None:
        pytest.skip("real SVHN samples (svhn_test_first4.npz) not found; set SVHN_DIR")
    return found[0], found[1]


def with_real_svhn(x):
    """x after the four real SVHN images when they are at hand (so the synthetic part of a
    test still runs where they are not)."""
    import numpy as np
    from streamcnn.data import find_real_samples
    found = find_real_samples()
    print("\n" + ("+ the 4 real SVHN images" if found else "real SVHN images not found"))
    return np.concatenate([found[0], x]) if found is not None and found[0].shape[1:] == x.shape[1:] else x


def assert_exact(graph, model, x):
    from streamcnn.verify import compare
    assert graph.exact, graph.notes
    a = compare(graph, model, x)
    assert a.mismatched == 0, f"{graph.name}: {a}"
    assert a.max_lsb == 0
    return a
