"""The multiplier-free MAC's building blocks: canonical signed digits, tree depth and which
adder levels end in a register (the core's correctness is test_rtlsim.py's job)."""
import numpy as np
import pytest

from streamcnn.rtl import mac


def test_csd_reconstructs_without_adjacent_digits():
    for w in range(-(1 << 12), 1 << 12):
        digits = mac.csd(w)
        assert sum(sign << k for sign, k in digits) == w, w
        shifts = sorted(k for _, k in digits)
        assert all(b - a >= 2 for a, b in zip(shifts, shifts[1:])), w   # no neighbours
        assert all(sign in (1, -1) for sign, _ in digits), w


@pytest.mark.parametrize("n", [1, 2, 3, 4, 9, 10, 27, 28, 500])
def test_tree_adds_every_term_once_in_depth_levels(n):
    terms = [mac.Term(1, i) for i in range(n)]
    depth = mac.depth_for(n)
    assert mac.FAN_IN ** (depth - 1) < n <= mac.FAN_IN ** depth or (n == 1 and depth == 1)
    t = mac.tree(terms, depth)
    assert sorted(x.src for g in t.leaves for x in g) == list(range(n))
    width = len(t.leaves)
    for groups in t.levels:                          # each level consumes the previous one
        assert sorted(i for g in groups for _, i in g) == list(range(width))
        width = len(groups)
    assert width == 1 and len(t.levels) == depth - 1


def evaluate(t: mac.Tree, x: np.ndarray) -> int:
    """The tree's root register, computed level by level as the Verilog does."""
    regs = [sum(term.sign * (term.value if term.src < 0 else int(x[term.src]) << term.shift)
                for term in g) for g in t.leaves]
    for groups in t.levels:
        regs = [sum(sign * regs[i] for sign, i in g) for g in groups]
    assert len(regs) == 1
    return regs[0]


@pytest.mark.parametrize("seed", range(12))
def test_tree_with_subtracted_sums_equals_the_dot_product(seed):
    """Signed weights (some all negative, so whole sums are subtracted): the tree's root is
    bias + w . x, and a register subtracts every operand only where no term is positive."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    w = rng.integers(-40, 41, (n, 3))
    w[:, 1] = -np.abs(w[:, 1])                       # an output without a positive weight
    w[rng.random(n) < 0.4, 2] = 0                    # pruned
    bias = rng.integers(-100, 101, 3) if seed % 2 else None
    trees, depth = mac.build(w, bias)
    x = rng.integers(-32, 32, n)
    for o, t in enumerate(trees):
        want = int(w[:, o] @ x) + (int(bias[o]) if bias is not None else 0)
        assert evaluate(t, x) == want, (o, want)
        inner = [[term.sign for term in g] for g in t.leaves] + \
                [[sign for sign, _ in g] for groups in t.levels[:-1] for g in groups]
        if depth > 1:
            assert all(any(sg > 0 for sg in g) for g in inner if g), o


@pytest.mark.parametrize("depth", range(1, 9))
def test_registers_every_stage_of_levels_and_the_output(depth):
    marks = mac.registered(depth)
    assert len(marks) == depth and marks[-1]
    at = [i for i, m in enumerate(marks) if m]
    gaps = np.diff([-1] + at)                        # adder levels between two registers
    assert gaps.max() <= mac.LEVELS_PER_STAGE
    assert len(at) == -(-depth // mac.LEVELS_PER_STAGE)
    # the leaf sums are wires unless alone or a stage is one level
    assert marks[0] == (depth == 1 or mac.LEVELS_PER_STAGE == 1)
