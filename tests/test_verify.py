"""The acceptance rule is lossless: exact enumeration of every branch, and chi-square on samples."""

import itertools

import numpy as np
import pytest

import speclab as sl
from speclab.verify import decide, residual, sample_categorical

# (p [k+1, V], q [k, V]) cases, including p(x) = 0, q(x) = 0, p == q and a one-hot draft.
CASES = {
    "generic": (np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]),
                np.array([[0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])),
    "target_zero": (np.array([[0.0, 0.7, 0.3], [0.5, 0.0, 0.5], [0.2, 0.2, 0.6]]),
                    np.array([[0.4, 0.3, 0.3], [0.3, 0.3, 0.4]])),
    "draft_zero": (np.array([[0.4, 0.3, 0.3], [0.2, 0.5, 0.3], [1 / 3, 1 / 3, 1 / 3]]),
                   np.array([[0.0, 0.5, 0.5], [0.7, 0.0, 0.3]])),
    "equal": (np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]]),
              np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])),
    "one_hot": (np.array([[0.1, 0.6, 0.3], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]]),
                np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    "k3": (np.array([[0.6, 0.4], [0.1, 0.9], [0.5, 0.5], [0.8, 0.2]]),
           np.array([[0.3, 0.7], [0.5, 0.5], [0.9, 0.1]])),
}


def exact_output_distribution(p, q):
    """Joint law of k+1 tokens: one round's output, completed by fresh draws from p (context-free).

    Each branch (drafts x, accepted prefix n) gets its probability from the paper's definitions,
    prod q_i(x_i) * prod_{i<n} min(1, p/q) * (1 - min(1, p_n/q_n)); `decide` says which n the
    uniforms lead to and which distribution the extra token comes from.
    """
    k, vocab = q.shape
    joint = np.zeros((vocab,) * (k + 1))
    for drafts in itertools.product(range(vocab), repeat=k):
        draft_prob = np.prod([q[i, x] for i, x in enumerate(drafts)])
        if draft_prob == 0:
            continue
        accept = [min(1.0, p[i, x] / q[i, x]) for i, x in enumerate(drafts)]
        for n in range(k + 1):
            branch = draft_prob * np.prod(accept[:n]) * (1.0 - accept[n] if n < k else 1.0)
            if branch == 0:
                continue
            r = np.array([0.0] * n + ([(1.0 + accept[n]) / 2.0] if n < k else []) + [0.0] * (k - n - 1))
            got_n, last = decide(p, q, np.array(drafts), r)
            assert got_n == n
            tail = last
            for j in range(n + 1, k + 1):       # complete the sequence autoregressively from p
                tail = np.multiply.outer(tail, p[j])
            joint[drafts[:n]] += branch * tail
    return joint


def product_of_rows(p):
    out = p[0]
    for row in p[1:]:
        out = np.multiply.outer(out, row)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_exact_enumeration_output_equals_p(name):
    p, q = CASES[name]
    joint = exact_output_distribution(p, q)
    assert joint.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(joint, product_of_rows(p), atol=1e-12, rtol=0)


def test_exact_enumeration_catches_a_rule_without_residual():
    """Sanity check of the harness: resampling from p after a rejection is not lossless."""
    p, q = CASES["generic"]
    joint = np.zeros(3)
    for x in range(3):
        a = min(1.0, p[0, x] / q[0, x])
        joint[x] += q[0, x] * a
        joint += q[0, x] * (1 - a) * p[0]
    assert np.max(np.abs(joint - p[0])) > 0.05


def test_residual_is_normalized_positive_part_and_falls_back_to_p():
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(residual(p, q), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(residual(p, p), p)
    both = residual(np.stack([p, p]), np.stack([q, p]))
    np.testing.assert_allclose(both, [[1.0, 0.0, 0.0], p])


def test_sampling_never_returns_a_zero_probability_token():
    probs = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    u = np.concatenate([[0.0, 1.0 - 1e-16, 0.5, 0.4999999999], np.linspace(0, 1, 1001, endpoint=False)])
    tokens = sample_categorical(np.broadcast_to(probs, (len(u), 5)), u)
    assert set(tokens.tolist()) == {1, 3}


@pytest.mark.parametrize("name", ["generic", "target_zero", "one_hot"])
def test_sampled_first_two_tokens_pass_chi_square(name):
    """20,000 seeded rounds; the output completed from p must match p x p (p-value > 1e-4)."""
    p, q = CASES[name]
    rng = np.random.default_rng(1234)
    k, vocab = q.shape
    counts = np.zeros(vocab * vocab)
    for _ in range(20_000):
        drafts = sample_categorical(q, rng.random(k))
        out = sl.verify(p, q, drafts, rng).tokens
        second = out[1] if len(out) > 1 else sample_categorical(p[1], rng.random())
        counts[out[0] * vocab + second] += 1
    _, p_value = sl.chi_square_test(counts, np.outer(p[0], p[1]).ravel())
    assert p_value > 1e-4


def test_tokens_are_accepted_prefix_plus_one():
    p, q = CASES["generic"]
    rng = np.random.default_rng(7)
    seen = set()
    for _ in range(300):
        drafts = np.array([2, 0])
        v = sl.verify(p, q, drafts, rng)
        assert len(v.tokens) == v.n_accepted + 1
        assert v.tokens[: v.n_accepted].tolist() == drafts[: v.n_accepted].tolist()
        assert v.bonus == (v.n_accepted == 2)
        seen.add(v.n_accepted)
    assert seen == {0, 1, 2}
    np.testing.assert_allclose(v.accept_probs, [min(1, 0.2 / 0.6), min(1, 0.1 / 0.5)])


def test_k_zero_samples_from_p():
    p = np.array([[0.25, 0.75]])
    rng = np.random.default_rng(3)
    tokens = [sl.verify(p, np.zeros((0, 2)), np.array([], dtype=int), rng).tokens[0] for _ in range(4000)]
    _, p_value = sl.chi_square_test(np.bincount(tokens, minlength=2), p[0])
    assert p_value > 1e-4


def test_target_zero_is_never_emitted():
    p = np.array([[0.0, 1.0], [0.5, 0.5]])
    q = np.array([[0.9, 0.1]])
    rng = np.random.default_rng(5)
    for _ in range(500):
        v = sl.verify(p, q, np.array([0]), rng)
        assert v.n_accepted == 0 and v.tokens.tolist() == [1]


def test_same_seed_same_output():
    p, q = CASES["generic"]
    a = [sl.verify(p, q, np.array([2, 1]), np.random.default_rng(9)).tokens.tolist() for _ in range(2)]
    assert a[0] == a[1]


def test_verify_greedy_accepts_matching_prefix_and_adds_argmax():
    p = np.array([[0.1, 0.9, 0.0], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1]])
    v = sl.verify_greedy(p, np.array([1, 2]))
    assert v.n_accepted == 2 and v.tokens.tolist() == [1, 2, 0] and v.bonus
    v = sl.verify_greedy(p, np.array([1, 0]))
    assert v.n_accepted == 1 and v.tokens.tolist() == [1, 2]
    v = sl.verify_greedy(p, np.array([0, 2]))
    assert v.n_accepted == 0 and v.tokens.tolist() == [1]
