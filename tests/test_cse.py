"""Common-subexpression sharing of the constant-weight MAC's terms (rtl/cse.py): the
rewritten trees add up to x @ W + bias exactly, and shared sums are found where they exist."""
import numpy as np
import pytest

from streamcnn.rtl import cse, mac


def _evaluate(x, rest, pairs, uses):
    """y[o] from each output's remaining terms and its uses of the shared pair sums."""
    sums = [x[p.a] + p.sign * (x[p.b] << p.d) for p in pairs]
    return np.array([sum(t.sign * (t.value if t.src < 0 else x[t.src] << t.shift) for t in ts)
                     + sum(u.sign * (sums[u.pair] << u.shift) for u in us)
                     for ts, us in zip(rest, uses)], dtype=object)


@pytest.mark.parametrize("seed", range(6))
def test_shared_trees_equal_the_matrix_product(seed):
    rng = np.random.default_rng(seed)
    n_in, n_out = rng.integers(2, 40), rng.integers(1, 20)
    w = rng.integers(-40, 41, (n_in, n_out)) * (rng.random((n_in, n_out)) < 0.6)
    bias = rng.integers(-100, 101, n_out)
    per = [mac.terms(w, bias, o) for o in range(n_out)]
    pairs, rest, uses = cse.share(per)
    for x in rng.integers(-64, 64, (20, n_in)):
        got = _evaluate([int(v) for v in x], rest, pairs, uses)
        assert (got == [int(v) for v in x @ w + bias]).all()
    assert cse.adders(rest, pairs, uses) <= sum(max(len(t) - 1, 0) for t in per)


def test_identical_outputs_share_their_pair_sums():
    # Both outputs are 3 x0 + 5 x1 = (4 x0 - x0) + (x1 + 4 x1): four terms, three additions
    # each (six). Shared: two pair sums, then one addition per output (four).
    w = np.array([[3, 3], [5, 5]])
    per = [mac.terms(w, None, o) for o in range(2)]
    pairs, rest, uses = cse.share(per)
    assert len(pairs) == 2 and rest == [[], []] and all(len(u) == 2 for u in uses)
    assert cse.adders(rest, pairs, uses) == 4


def test_one_output_shares_nothing():
    w = np.array([[3], [5], [7]])
    pairs, rest, uses = cse.share([mac.terms(w, None, 0)])
    assert pairs == [] and uses == [[]] and len(rest[0]) == len(mac.terms(w, None, 0))


def test_bench_cse_prints_every_mac(capsys):
    from streamcnn.bench import bench_cse
    before, after = bench_cse(None)          # the untrained SVHN QP6 stand-in
    out = capsys.readouterr().out
    assert all(f"  {layer}: " in out for layer in ("conv1", "conv2", "conv3", "dense1", "output"))
    assert 0 < after < before
