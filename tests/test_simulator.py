"""The simulator: lossless output, agreement with theory, modelled time, determinism, policies."""

import numpy as np
import pytest

import speclab as sl


def test_synthetic_pair_rows_are_distributions_and_seeded():
    pair = sl.SyntheticPair(vocab_size=50, agreement=0.6, seed=3)
    p, q = pair.distributions(20)
    assert p.shape == q.shape == (20, 50)
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(q.sum(1), 1.0)
    again = sl.SyntheticPair(vocab_size=50, agreement=0.6, seed=3)
    np.testing.assert_array_equal(again.distributions(5)[0], p[:5])   # prefix-stable, seeded
    np.testing.assert_array_equal(pair.target(7), p[7])
    assert not np.array_equal(sl.SyntheticPair(vocab_size=50, seed=4).target(0), p[0])


def test_agreement_one_is_the_target_and_zero_is_unrelated():
    same = sl.SyntheticPair(agreement=1.0)
    p, q = same.distributions(10)
    np.testing.assert_allclose(p, q)
    low = sl.SyntheticPair(agreement=0.0).alpha(200).mean()
    mid = sl.SyntheticPair(agreement=0.5).alpha(200).mean()
    assert low < 0.5 < mid < 1.0


def test_emitted_tokens_follow_the_target_at_every_position():
    """Lossless end to end: at fixed positions, 6,000 trials' tokens pass chi-square against p_t."""
    pair = sl.SyntheticPair(vocab_size=8, agreement=0.4, seed=11)
    res = sl.simulate(pair, num_tokens=12, k=3, trials=6000, seed=5, keep_tokens=True)
    p, _ = pair.distributions(12)
    for t in (0, 1, 5, 11):
        _, p_value = sl.chi_square_test(np.bincount(res.all_tokens[:, t], minlength=8), p[t])
        assert p_value > 1e-4, t
    # The draft alone would fail the same test: q differs from p enough to be detected.
    _, q = pair.distributions(1)
    _, p_value = sl.chi_square_test(np.bincount(res.all_tokens[:, 0], minlength=8), q[0])
    assert p_value < 1e-6


def test_every_trial_emits_exactly_num_tokens():
    res = sl.simulate(sl.SyntheticPair(agreement=0.7), num_tokens=23, k=5, trials=300, keep_tokens=True)
    assert np.all(res.all_tokens >= 0)
    assert sum(len(r.emitted) for r in res.rounds) == 23
    assert res.tokens.tolist() == res.all_tokens[0].tolist()


def test_perfect_draft_gives_the_closed_form_speedup():
    cost = sl.CostModel(draft_ms=5, target_ms=50)
    res = sl.simulate(sl.SyntheticPair(agreement=1.0), num_tokens=50, k=4, trials=20, cost=cost)
    assert res.acceptance_rate == 1.0
    assert res.mean_tokens_per_round == 5.0
    assert res.speedup == pytest.approx(sl.speedup(1.0, 4, cost.c))


def test_k_zero_is_plain_decoding():
    res = sl.simulate(sl.SyntheticPair(), num_tokens=40, k=0, trials=10)
    assert res.speedup == pytest.approx(1.0)
    assert res.target_passes == 400 and res.draft_passes == 0


def test_speedup_tracks_theory_for_the_measured_alpha():
    """Positions differ in alpha, so theory is approximate; within 5% at 200 tokens x 2,000 trials."""
    cost = sl.CostModel(draft_ms=5, target_ms=50)
    res = sl.simulate(sl.SyntheticPair(agreement=0.8), num_tokens=200, k=4, trials=2000, cost=cost)
    assert res.speedup == pytest.approx(sl.speedup(res.alpha, 4, cost.c), rel=0.05)
    low, high = res.speedup_ci
    assert low < res.speedup < high and high - low < 0.05


def test_acceptance_rate_is_accepted_over_drafted_not_alpha():
    res = sl.simulate(sl.SyntheticPair(agreement=0.8), num_tokens=200, k=4, trials=1000)
    assert res.acceptance_rate == pytest.approx(res.accepted / res.drafted)
    assert res.acceptance_rate < res.alpha - 0.1


def test_verification_growth_and_draft_cost_slow_it_down():
    pair = sl.SyntheticPair(agreement=0.8)
    base = sl.simulate(pair, 100, 4, 500, sl.CostModel(5, 50, 0.0)).speedup
    grown = sl.simulate(pair, 100, 4, 500, sl.CostModel(5, 50, 0.2)).speedup
    costly = sl.simulate(pair, 100, 4, 500, sl.CostModel(20, 50, 0.0)).speedup
    assert grown < base and costly < base


def test_same_seed_same_result_and_seeds_differ():
    pair = sl.SyntheticPair(agreement=0.6)
    a = sl.simulate(pair, 50, 3, 100, seed=1)
    b = sl.simulate(pair, 50, 3, 100, seed=1)
    c = sl.simulate(pair, 50, 3, 100, seed=2)
    np.testing.assert_array_equal(a.time_ms, b.time_ms)
    assert a.tokens.tolist() == b.tokens.tolist()
    assert not np.array_equal(a.time_ms, c.time_ms)


def test_adaptive_policy_changes_k_within_bounds():
    policy = sl.AdaptiveK(start_k=4, min_k=1, max_k=8)
    res = sl.simulate(sl.SyntheticPair(agreement=0.9), 200, trials=200, policy=policy)
    ks = [r.k for r in res.rounds[:-1]]
    assert min(ks) >= 1 and max(ks) <= 8 and len(set(ks)) > 2
    for before, after in zip(res.rounds[:-2], res.rounds[1:-1]):
        expected = min(before.k + 2, 8) if before.bonus else max(before.k - 1, 1)
        assert after.k == expected


def test_policies_next_k():
    adaptive = sl.AdaptiveK(start_k=4, min_k=1, max_k=6)
    assert adaptive.next_k(4, 4) == 6 and adaptive.next_k(6, 6) == 6
    assert adaptive.next_k(4, 0) == 3 and adaptive.next_k(1, 0) == 1
    assert adaptive.next_k(np.array([4, 4]), np.array([4, 1])).tolist() == [6, 3]
    assert sl.FixedK(3).next_k(5, 0) == 3


def test_simulate_iid_matches_theory_within_one_percent():
    for alpha in (0.3, 0.7, 0.9):
        for k in (1, 4, 8):
            res = sl.simulate_iid(alpha, k, 0.1, rounds=200_000, seed=1)
            assert res.mean_tokens_per_round == pytest.approx(sl.expected_tokens(alpha, k), rel=0.01)
            assert res.speedup == pytest.approx(sl.speedup(alpha, k, 0.1), rel=0.01)
            assert res.acceptance_rate == pytest.approx(sl.accepted_fraction(alpha, k), abs=0.01)
            assert np.max(np.abs(res.pmf - sl.tokens_per_round_pmf(alpha, k))) < 0.01


def test_simulate_iid_edges():
    assert sl.simulate_iid(1.0, 5, 0.0, rounds=100).mean_tokens_per_round == 6
    assert sl.simulate_iid(0.0, 5, 0.0, rounds=100).mean_tokens_per_round == 1
    assert sl.simulate_iid(0.5, 0, 0.0, rounds=100).counts.tolist() == [100]


def test_sweep_grid_shapes_and_trends():
    res = sl.sweep([0.3, 0.7, 0.95], [1, 4], num_tokens=20, trials=400, progress=False)
    assert res.speedup.shape == res.acceptance_rate.shape == (3, 2)
    assert np.all(np.diff(res.speedup, axis=0) > 0)          # better drafts, more speedup
    assert np.all(np.diff(res.alpha[:, 0]) > 0)
    assert np.all((res.speedup_low < res.speedup) & (res.speedup < res.speedup_high))
    assert res.speedup[2, 1] > res.speedup[2, 0]             # a good draft wants longer k
