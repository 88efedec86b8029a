"""Token trees: SpecInfer's rule is lossless (exact enumeration, chi-square), and the recursions are right."""

import functools
import itertools

import numpy as np
import pytest

import speclab as sl
from speclab.trees import theory as tt
from speclab.exercises.ex3_multi_draft import reference_acceptance
from speclab.trees.simulation import simulate_tree, simulate_tree_iid
from speclab.trees import ROOT, TreeShape, decide_tree, verify_tree
from speclab.verify import sample_categorical

V = 3


# ----------------------------------------------------------------------------- context-dependent pairs

@functools.lru_cache(maxsize=None)
def _row(seed, context, zero=None):
    """A fixed random distribution for (seed, context); `zero` removes one token (target p(x) = 0)."""
    row = np.random.default_rng([seed, len(context), *context]).dirichlet(np.full(V, 0.8))
    if zero is not None:
        row[zero(context)] = 0.0
        row /= row.sum()
    return row


PAIRS = {  # name: (p(context), q(context), siblings are the draft's top tokens instead of samples)
    "generic": (lambda c: _row(1, c), lambda c: _row(2, c), False),
    "target_zero": (lambda c: _row(3, c, zero=lambda c: len(c) % V), lambda c: _row(4, c), False),
    "draft_zero": (lambda c: _row(5, c), lambda c: _row(6, c, zero=lambda c: (len(c) + 1) % V), False),
    "equal": (lambda c: _row(7, c), lambda c: _row(7, c), False),
    "top_k_one_hot": (lambda c: _row(8, c), lambda c: _row(9, c), True),
}

SHAPES = {
    "chain2": TreeShape.chain(2),
    "fan3": TreeShape.full((3,)),
    "2x1": TreeShape.full((2, 1)),
    "2x2": TreeShape.full((2, 2)),
    "ragged": TreeShape((-1, -1, 0, 0, 1)),
}


def node_contexts(shape, tokens):
    """The tokens on the path above each node (its context) and after it."""
    above = [tuple(tokens[n] for n in shape.path(i)[:-1]) for i in range(len(shape))]
    return above, [ctx + (tokens[i],) for i, ctx in enumerate(above)]


def draft_rows(shape, tokens, q_of, top_k):
    """q row each node was drawn from; top-k siblings are fixed tokens with one-hot q."""
    above, _ = node_contexts(shape, tokens)
    rows = np.array([q_of(ctx) for ctx in above])
    if top_k:
        order = [np.argsort(-row, kind="stable") for row in rows]
        rows = np.zeros((len(shape), V))
        rows[np.arange(len(shape)), [order[i][shape.ranks[i]] for i in range(len(shape))]] = 1.0
    return rows


def walk_branches(shape, p, q, tokens):
    """Every way the walk can go: (probability, uniforms that realize it, accepted path).

    Written from the paper, independently of `decide_tree`: try children in order with
    min(1, target/q), update the target to the residual after each rejection.
    """
    out = []

    def visit(node, target, prob, r, path):
        kids = [c for c in shape.children[node + 1] if c >= 0]
        if not kids:
            out.append((prob, r, path))
            return
        for c in kids:
            a = min(1.0, target[tokens[c]] / q[c, tokens[c]])
            if a > 0:
                visit(c, p[c + 1], prob * a, {**r, c: a / 2}, path + [c])
            if a < 1:
                r = {**r, c: (1 + a) / 2}
                prob *= 1 - a
                target = sl.residual(target, q[c])
            else:
                return
        out.append((prob, r, path))

    visit(ROOT, p[0], 1.0, {}, [])
    return out


def exact_output_law(shape, p_of, q_of, top_k):
    """Law of the first depth+1 output tokens (completed from p when a round emits fewer)."""
    length = shape.max_depth + 1
    law = np.zeros((V,) * length)
    for tokens in itertools.product(range(V), repeat=len(shape)):
        q = draft_rows(shape, tokens, q_of, top_k)
        weight = np.prod(q[np.arange(len(shape)), tokens])
        if weight == 0:
            continue
        _, after = node_contexts(shape, tokens)
        p = np.array([p_of(())] + [p_of(ctx) for ctx in after])
        for prob, r_map, path in walk_branches(shape, p, q, tokens):
            r = np.array([[r_map.get(i, 0.5) for i in range(len(shape))]])
            last, final = decide_tree(p[None], q[None], np.array([tokens]), shape, r)
            assert shape.path(int(last[0])) == path
            prefix = tuple(tokens[n] for n in path)
            for x in range(V):
                complete(law, prefix + (x,), weight * prob * final[0, x], p_of, length)
    return law


def complete(law, prefix, prob, p_of, length):
    """Spread `prob` over continuations of `prefix` to `length` tokens, drawn from p."""
    if prob == 0:
        return
    if len(prefix) == length:
        law[prefix] += prob
        return
    for x, px in enumerate(p_of(prefix)):
        complete(law, prefix + (x,), prob * px, p_of, length)


def target_law(p_of, length):
    law = np.zeros((V,) * length)
    complete(law, (), 1.0, p_of, length)
    return law


@pytest.mark.parametrize("shape_name", sorted(SHAPES))
@pytest.mark.parametrize("pair_name", sorted(PAIRS))
def test_exact_enumeration_tree_output_equals_target(pair_name, shape_name):
    p_of, q_of, top_k = PAIRS[pair_name]
    shape = SHAPES[shape_name]
    law = exact_output_law(shape, p_of, q_of, top_k)
    assert law.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(law, target_law(p_of, shape.max_depth + 1), atol=1e-12, rtol=0)


def test_enumeration_catches_siblings_judged_against_p():
    """The harness has teeth: without the residual update between siblings the law is not p."""
    p, q = np.array([0.6, 0.3, 0.1]), np.array([0.2, 0.2, 0.6])
    law = np.zeros(V)
    for x1, x2 in itertools.product(range(V), repeat=2):
        a1, a2 = min(1, p[x1] / q[x1]), min(1, p[x2] / q[x2])
        w = q[x1] * q[x2]
        law[x1] += w * a1
        law[x2] += w * (1 - a1) * a2
        law += w * (1 - a1) * (1 - a2) * sl.residual(sl.residual(p, q), q)
    assert np.abs(law - p).max() > 0.05


# ----------------------------------------------------------------------------- sampled rounds

ADVERSARIAL_P = np.array([[0.5, 0.3, 0.2, 0.0, 0.0, 0.0],      # draft mass where the target has none
                          [0.05, 0.05, 0.1, 0.2, 0.3, 0.3],
                          [1 / 6] * 6])
ADVERSARIAL_Q = np.array([[0.0, 0.1, 0.1, 0.3, 0.3, 0.2],
                          [0.0, 0.0, 0.0, 0.0, 1.0, 0.0]])     # a one-hot draft


def test_chi_square_on_adversarial_rows():
    """20,000 rounds of a (3, 2) tree on position-wise rows; every output position follows p_j.

    The rounds run as one batch through `decide_tree` (the rule `verify_tree` wraps).
    """
    shape, rounds = TreeShape.full((3, 2)), 20_000
    rng = np.random.default_rng(2024)
    p_rows = np.broadcast_to(ADVERSARIAL_P[np.concatenate([[0], shape.depths])], (rounds, len(shape) + 1, 6))
    q_rows = np.broadcast_to(ADVERSARIAL_Q[shape.depths - 1], (rounds, len(shape), 6))
    tokens = sample_categorical(q_rows, rng.random((rounds, len(shape))))
    last, final = decide_tree(p_rows, q_rows, tokens, shape, rng.random((rounds, len(shape))))
    extra = sample_categorical(final, rng.random(rounds))
    counts = np.zeros((3, 6), dtype=np.int64)
    for b in range(rounds):
        path = shape.path(int(last[b]))
        out = list(tokens[b, path]) + [extra[b]]
        counts[np.arange(len(out)), out] += 1
    for j in range(3):
        _, p_value = sl.chi_square_test(counts[j], ADVERSARIAL_P[j])
        assert p_value > 1e-4, (j, counts[j])
    assert counts[2].sum() > 1000, "the bonus position must be reached often enough to test"


def test_vectorized_simulator_is_lossless_on_a_pair():
    pair = sl.SyntheticPair(vocab_size=6, agreement=0.3, seed=3)
    shape = TreeShape((-1, -1, 0, 0, 1, 2))
    sim = simulate_tree(pair, shape, rounds=30_000, seed=1)
    p = pair.distributions(shape.max_depth + 1)[0]
    for j in range(shape.max_depth + 1):
        _, p_value = sl.chi_square_test(sim.token_counts[j], p[j])
        assert p_value > 1e-4, j
    assert sim.token_counts[0].sum() == 30_000


def test_a_chain_tree_is_verify_with_the_same_random_numbers():
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]])
    q = np.array([[0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])
    for seed in range(30):
        drafts = sample_categorical(q, np.random.default_rng(seed).random(2))
        chain = verify_tree(p, q, drafts, TreeShape.chain(2), np.random.default_rng(seed))
        plain = sl.verify(p, q, drafts, np.random.default_rng(seed))
        assert chain.tokens.tolist() == plain.tokens.tolist()


def test_tokens_are_a_root_path_plus_one_and_seeded():
    shape = TreeShape.full((2, 2))
    p = np.full((len(shape) + 1, 4), 0.25)
    q = np.tile([0.4, 0.3, 0.2, 0.1], (len(shape), 1))
    tokens = np.array([0, 1, 0, 1, 0, 1])
    runs = [verify_tree(p, q, tokens, shape, np.random.default_rng(s)) for s in range(200)]
    for v in runs:
        assert len(v.tokens) == v.n_accepted + 1
        if v.n_accepted:
            assert v.path.tolist() == shape.path(int(v.path[-1]))
        assert v.tokens[:-1].tolist() == tokens[v.path].tolist()
    assert {v.n_accepted for v in runs} == {0, 1, 2}
    again = verify_tree(p, q, tokens, shape, np.random.default_rng(7))
    assert again.tokens.tolist() == runs[7].tokens.tolist()


# ----------------------------------------------------------------------------- shapes

def test_shapes_and_attention_mask():
    chain = TreeShape.chain(3)
    np.testing.assert_array_equal(chain.attention_mask(), np.tril(np.ones((4, 4), dtype=bool)))
    fan = TreeShape.full((2, 1))
    assert fan.parents == (-1, -1, 0, 1) and fan.max_depth == 2 and fan.ranks.tolist() == [0, 1, 0, 0]
    mask = fan.attention_mask()
    assert mask[3].tolist() == [True, True, False, True, False]   # node 2 sees root, node 0, itself
    assert not mask[1, 2] and not mask[2, 1], "siblings do not see each other"


@pytest.mark.parametrize("bad, match", [((0,), "parents\\[0\\]"), ((-1, 1), "parents\\[1\\]"), ((-2,), "parents")])
def test_bad_shapes_raise(bad, match):
    with pytest.raises(ValueError, match=match):
        TreeShape(bad)


def test_bad_rounds_raise_clear_errors():
    shape = TreeShape.chain(1)
    p, q = np.full((2, 2), 0.5), np.full((1, 2), 0.5)
    with pytest.raises(ValueError, match="shapes must be"):
        verify_tree(p[:1], q, np.array([0]), shape, np.random.default_rng(0))
    with pytest.raises(ValueError, match="q > 0"):
        verify_tree(p, np.array([[1.0, 0.0]]), np.array([1]), shape, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        verify_tree(p, q, np.array([0]), shape, 0)
    with pytest.raises(ValueError, match="TreeShape"):
        verify_tree(p, q, np.array([0]), (-1,), np.random.default_rng(0))
    with pytest.raises(ValueError, match="exactly one of alpha"):
        tt.expected_accepted(shape)
    with pytest.raises(ValueError, match="alpha"):
        tt.expected_accepted(shape, alpha=1.5)


# ----------------------------------------------------------------------------- expected lengths

def test_a_chain_gives_the_geometric_sum():
    alphas = np.linspace(0, 1, 11)
    for k in (1, 4, 7):
        np.testing.assert_allclose(tt.expected_tokens_tree(TreeShape.chain(k), alphas), sl.expected_tokens(alphas, k))


def test_tree_speedup_pays_one_draft_pass_per_level():
    for k in (1, 4):
        assert tt.tree_speedup(TreeShape.chain(k), 0.7, 0.1) == pytest.approx(sl.speedup(0.7, k, 0.1))
    fan = TreeShape.full((4, 2))
    assert tt.tree_speedup(fan, 0.5, 0.2) == pytest.approx(tt.expected_tokens_tree(fan, 0.5) / 1.4)


@pytest.mark.parametrize("branching", [(3,), (2, 2), (4, 2, 1), (1, 3, 2)])
def test_full_tree_closed_form_matches_the_recursion(branching):
    alphas = np.linspace(0, 1, 21)
    np.testing.assert_allclose(tt.full_tree_accepted(branching, alphas),
                               tt.expected_accepted(TreeShape.full(branching), alphas), atol=1e-12)


@pytest.mark.parametrize("shape, alpha", [(TreeShape.full((3, 2)), 0.6), (TreeShape((-1, -1, 0, 0, 1, 2, 2, 5)), 0.45),
                                          (TreeShape.chain(5), 0.8)])
def test_iid_simulation_within_one_percent_at_2e5_rounds(shape, alpha):
    sim = simulate_tree_iid(shape, alpha, rounds=200_000, seed=0)
    assert sim.rounds == 200_000
    assert sim.mean_tokens_per_round == pytest.approx(tt.expected_tokens_tree(shape, alpha), rel=0.01)


def test_pair_simulation_within_one_percent_of_the_exact_recursion():
    """SpecInfer's sibling rates on a synthetic pair, averaged over 8 start positions."""
    pair = sl.SyntheticPair(vocab_size=20, agreement=0.5, seed=1)
    shape, starts = TreeShape.full((3, 2)), 8
    sim = simulate_tree(pair, shape, rounds=200_000, starts=starts, seed=0)
    p, q = pair.distributions(starts + shape.max_depth)
    rates = np.array([tt.sibling_rates(p[s:s + 2], q[s:s + 2], 3) for s in range(starts)])
    exact = float(np.mean(tt.expected_tokens_tree(shape, rates=rates)))
    assert sim.mean_tokens_per_round == pytest.approx(exact, rel=0.01)
    iid = tt.expected_tokens_tree(shape, float(np.mean(rates[..., 0])))
    assert exact < iid - 0.05, "later siblings are judged against a residual: fewer accepted than i.i.d."


def test_sibling_rates_agree_with_exercise_3():
    p, q = np.array([0.4, 0.3, 0.2, 0.1]), np.array([0.1, 0.2, 0.3, 0.4])
    rates = tt.sibling_rates(p, q, 3)
    assert rates[0] == pytest.approx(sl.acceptance_rate(p, q))
    assert 1 - np.prod(1 - rates) == pytest.approx(reference_acceptance(p, q, 3))
    np.testing.assert_allclose(tt.sibling_rates(p, p, 2), [1.0, 1.0])


def all_trees(n):
    for parents in itertools.product(*[range(-1, i) for i in range(n)]):
        yield TreeShape(parents)


@pytest.mark.parametrize("alpha", [0.2, 0.55, 0.9])
def test_best_tree_beats_every_tree_of_its_size(alpha):
    best = tt.best_tree(5, alpha)
    assert len(best) == 5
    top = max(tt.expected_accepted(s, alpha) for s in all_trees(5))
    assert tt.expected_accepted(best, alpha) == pytest.approx(top, abs=1e-12)


def test_trees_win_at_moderate_acceptance_and_chains_at_high():
    """At 16 nodes: the best tree adds about a token per pass near alpha 0.5, nothing at 0.95."""
    chain, gains = TreeShape.chain(16), {}
    for alpha in (0.3, 0.5, 0.7, 0.95):
        best = tt.best_tree(16, alpha)
        gains[alpha] = tt.expected_tokens_tree(best, alpha) - tt.expected_tokens_tree(chain, alpha)
    assert gains[0.5] > 0.9 and gains[0.5] > gains[0.3] and gains[0.5] > gains[0.7]
    assert gains[0.95] == pytest.approx(0.0, abs=1e-9)
    assert tt.best_tree(16, 0.95) == chain
    assert tt.best_tree(6, 0.5, max_children=1) == TreeShape.chain(6)
    assert tt.best_tree(6, 0.5, max_depth=1) == TreeShape.full((6,))


def test_best_tree_tokens_holds_the_best_tree_of_every_budget():
    alphas = np.array([0.0, 0.3, 0.62, 1.0])
    table = tt.best_tree_tokens(12, alphas)
    assert table.shape == (4, 13)
    for row, alpha in zip(table, alphas):
        expected = [tt.expected_tokens_tree(tt.best_tree(n, alpha), alpha) for n in range(13)]
        np.testing.assert_allclose(row, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tt.best_tree_tokens(12, 0.3), table[1])
    with pytest.raises(ValueError, match="alpha"):
        tt.best_tree_tokens(4, 1.5)
