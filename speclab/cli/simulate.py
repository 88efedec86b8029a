"""`speclab simulate`: a Monte Carlo summary of speculative decoding on a synthetic pair."""

from __future__ import annotations


def add_arguments(sim) -> None:
    sim.add_argument("--agreement", type=float, required=True, help="draft/target agreement in [0, 1]")
    sim.add_argument("--k", type=int, default=4, help="drafts per round (default 4)")
    sim.add_argument("--adaptive", action="store_true", help="adapt k each round instead of fixing it")
    sim.add_argument("--tokens", type=int, default=200, help="tokens per trial, 1..1,000,000 (default 200)")
    sim.add_argument("--trials", type=int, default=1000, help="independent trials, 1..10,000,000 (default 1000)")
    sim.add_argument("--draft-ms", type=float, default=5.0, help="modelled draft step time (default 5)")
    sim.add_argument("--target-ms", type=float, default=50.0, help="modelled target step time (default 50)")
    sim.add_argument("--verify-growth", type=float, default=0.0, help="verification cost growth per draft")
    sim.add_argument("--vocab", type=int, default=100, help="vocabulary size (default 100)")
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def run(args) -> int:
    from .._validate import as_count
    from ..limits import MAX_NUM_TOKENS, MAX_TRIALS
    from ..policies import AdaptiveK, FixedK
    from ..simulator import CostModel, SyntheticPair, simulate

    tokens = as_count(args.tokens, "--tokens", minimum=1, maximum=MAX_NUM_TOKENS)
    trials = as_count(args.trials, "--trials", minimum=1, maximum=MAX_TRIALS)
    pair = SyntheticPair(vocab_size=args.vocab, agreement=args.agreement, seed=args.seed)
    cost = CostModel(args.draft_ms, args.target_ms, args.verify_growth)
    policy = FixedK(args.k)
    if args.adaptive:
        policy = AdaptiveK(start_k=max(args.k, 1), max_k=max(args.k, 16))
    result = simulate(pair, tokens, args.k, trials, cost, seed=args.seed, policy=policy)
    print(f"{pair!r}, {policy!r}, c = {cost.c:g}")
    print(result.summary())
    return 0
