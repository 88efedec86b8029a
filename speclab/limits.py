"""The documented size bounds of the public API, in one place (docs/errors-and-limits.md lists the same).

Every entry point checks its sizes against these bounds, and against an estimate of the memory
it would allocate, before it allocates anything; a call beyond them raises one ValueError that
names the argument and the bound. Inside them, long work shows a progress bar.
"""

#: The most memory one call may plan to allocate (an estimate, checked before allocating).
MEMORY_BYTES = 1 << 30

#: The most elements a broadcast array argument of the closed forms may hold.
MAX_ELEMENTS = 10_000_000

#: The largest k where a call allocates per k: optimal_k's k_max, tokens_per_round_pmf,
#: simulate_iid, policies. The closed forms that do not allocate per k take any whole k.
MAX_K = 100_000

#: The largest vocabulary of a SyntheticPair.
MAX_VOCAB = 1_000_000

#: simulate: the most tokens per trial, trials, and tokens over all trials together.
MAX_NUM_TOKENS = 1_000_000
MAX_TRIALS = 10_000_000
MAX_SIMULATED_TOKENS = 200_000_000

#: sweep: the most (agreement, k) cells in one grid (its tokens count toward MAX_SIMULATED_TOKENS).
MAX_SWEEP_CELLS = 10_000

#: simulate_iid: the most rounds, and the most acceptance draws (rounds * k) in one call.
MAX_ROUNDS = 1_000_000_000
MAX_IID_DRAWS = 2_000_000_000

#: lossless.emitted_token_counts / lossless_report: the most rounds (one rule call each).
MAX_LOSSLESS_ROUNDS = 10_000_000

#: SpeculativeDecoder.generate: the most new tokens (models with no position limit included).
MAX_NEW_TOKENS = 100_000

#: `speclab plan --k-max`: the most rows the table prints.
MAX_PLAN_K = 256

#: Token trees: the most nodes in one tree (published trees hold tens to a few hundred;
#: Sequoia's largest about a thousand). Tables per tree grow as nodes * widest node.
MAX_TREE_NODES = 4096

#: best_tree_tokens: the most tree nodes grown over all alphas together (nodes * alphas).
MAX_TREE_GROWTH = 500_000

#: simulate_tree / simulate_tree_iid: the most rounds, and the most node draws (rounds * nodes).
MAX_TREE_ROUNDS = 100_000_000
MAX_TREE_DRAWS = 200_000_000

#: alpha_at_temperatures: the most probabilities tempered in one call (temperatures * positions * V).
MAX_TEMPERED = 500_000_000

#: run_interleaved / abba_order: the most blocks, and the most timed runs (2 * configurations * blocks).
MAX_BLOCKS = 100_000
MAX_TIMED_RUNS = 1_000_000

#: CostModel: the longest step, in milliseconds (a year), so that sums over rounds stay finite.
MAX_STEP_MS = 3.2e10

#: CostModel: the largest verify_growth (a pass over k+1 tokens costs 1 + verify_growth * k steps).
MAX_VERIFY_GROWTH = 1e6

#: speclab.roofline: every positive quantity (params, bandwidth, peak FLOP/s, batch, bytes) lies in
#: this range, so that no product or quotient of them overflows or underflows to a 0/0.
ROOFLINE_RANGE = (1e-30, 1e30)


def human_bytes(n: float) -> str:
    """A byte count as a short human string: 1.5 GiB, 300 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"


#: The largest text file read as input: an engine report for `speclab fit` (a /metrics scrape is a
#: few hundred KB), a prompts file.
MAX_TEXT_BYTES = 64 * 2**20

#: The largest draft file read (a .draft of the store or a shipped .safetensors; SmolLM2's is 15 MB).
MAX_DRAFT_BYTES = 512 * 2**20

#: FeatureDrafter.measure_costs: the longest context the costs are timed on (a held-out answer is
#: a few hundred tokens; a longer one only makes every timed pass slower).
MAX_COST_TOKENS = 1024
