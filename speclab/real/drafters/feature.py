"""The trained feature-level drafter: drafts from the target's own last hidden states (EAGLE-style).

It asks the decoder for the target's features (`wants_features`), keeps them for every token the
target has verified, and drafts k tokens by running its one-layer FeatureHead k times, feeding each
predicted feature back in. Only the `vocab` rows of the target's output head are scored (FR-Spec):
q is zero elsewhere, which verification handles exactly. Under greedy decoding it also offers its
runners-up for the first draft as alternatives (verified as a tree in the same target pass) when
its measured top-j hit rates say the extra rows pay. Its KV cache holds entries built from
true features only; entries built from predicted features are cropped after every round.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from ...measured_k import alternatives_for, best_plan
from ...policies import FixedK
from ...verify import sample_categorical
from ..._validate import ArgumentTypeError, as_count, as_count_array, as_nonnegative, as_unit_interval, short_repr
from ...limits import MAX_COST_TOKENS
from .._checks import MAX_ALTERNATIVES, check_model, position_limit
from .base import EMPTY, Draft
from .feature_head import FeatureHead, HeadCache
from ..row_kernel import bias_free_linears, column_products
from ..sampling import Sampling

#: The k used when the draft's acceptance or costs were never measured.
UNMEASURED_K = 2
#: measure_costs times target passes over 1..COST_PASS_TOKENS tokens on top of its context.
COST_PASS_TOKENS = 9


def as_vocab(vocab, size: int) -> torch.Tensor:
    """The restricted vocabulary as a 1-D long tensor of distinct token ids in 0..size - 1."""
    message = f"vocab must be a non-empty list of distinct token ids in 0..{size - 1}; got {short_repr(vocab)}"
    if isinstance(vocab, torch.Tensor):
        array = vocab.detach().cpu().numpy()
    elif isinstance(vocab, (list, tuple, np.ndarray)):
        try:
            array = np.asarray(vocab)
        except (TypeError, ValueError):
            raise ArgumentTypeError(message) from None
    else:
        raise ArgumentTypeError(f"{message} ({type(vocab).__name__})")
    if array.dtype.kind not in "iu" and not (array.dtype == object and all(
            isinstance(t, numbers.Integral) and not isinstance(t, bool) for t in array.ravel())):
        raise ArgumentTypeError(message)
    if array.ndim != 1 or array.size == 0 or array.min() < 0 or array.max() >= size \
            or len(np.unique(array)) != array.size:
        raise ValueError(message)
    return torch.as_tensor(array.astype(np.int64))


def _optional_list(values, name: str, check) -> list | None:
    """None, or a non-empty list of floats that pass `check` (a speclab._validate helper)."""
    if values is None:
        return None
    array = check(values, name)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be None or a non-empty list of numbers; got {short_repr(values)}")
    return [float(x) for x in array]


class FeatureDrafter:
    """Draft k tokens from the target's features with a trained FeatureHead over `vocab` head rows."""

    name = "trained draft (feature head)"
    wants_features = True

    def __init__(self, target, head: FeatureHead, vocab, rates=None, c: float | None = None, pass_costs=None,
                 first_hits=None, alternatives: int | None = None):
        check_model(target, "target")
        width = int(target.get_input_embeddings().weight.shape[1])
        if not isinstance(head, FeatureHead) or head.hidden != width:
            raise ValueError(f"head must be a FeatureHead of hidden size {width} (the target's), trained for this "
                             f"target by speclab.real.train_draft; got {short_repr(head)}")
        self.target = target
        device = next(target.parameters()).device
        self.full_size = int(target.get_output_embeddings().weight.shape[0])
        self.vocab = as_vocab(vocab, self.full_size).to(device)
        self.head = head.eval()
        self.head.to(device)
        self._head_linears = bias_free_linears(self.head)
        self.embed = target.get_input_embeddings()
        self.rows = target.get_output_embeddings().weight.detach()[self.vocab]
        self.rates = _optional_list(rates, "rates", as_unit_interval)       # held-out acceptance per depth
        self.c = None if c is None else as_nonnegative(c, "c", scalar=True)  # draft step / target step
        self.pass_costs = _optional_list(pass_costs, "pass_costs", as_nonnegative)   # t(n)/t(1), n = 1..
        self.first_hits = _optional_list(first_hits, "first_hits", as_unit_interval)  # P(top-j hit), depth 1
        self.alternatives = None if alternatives is None else as_count(alternatives, "alternatives",
                                                                       maximum=MAX_ALTERNATIVES)
        self._cache, self._features, self._eos, self._forwards = HeadCache(), [], frozenset(), 0
        self._true_entries = 0
        self._plans = {}                                                      # k -> alternatives

    def start(self, prompt_ids, eos=frozenset()) -> None:
        """A new generation: empty cache and no features yet (the prefill delivers them)."""
        self._cache, self._features, self._eos, self._forwards = HeadCache(), [], eos, 0
        self._true_entries = 0

    def accept_features(self, features: torch.Tensor) -> None:
        """The target's last hidden states [n, hidden] for the next n verified tokens of the sequence."""
        self._features.append(features.detach())

    def _known(self) -> torch.Tensor | None:
        if len(self._features) > 1:
            self._features = [torch.cat(self._features)]
        return self._features[0] if self._features else None

    @torch.inference_mode()
    def propose(self, tokens: list, k: int, sampling, rng: np.random.Generator) -> Draft:
        """Step 1: draft x_1..x_k; the first from the true features, deeper ones from predicted ones."""
        known = self._known()
        n_known, done = (0 if known is None else known.shape[0]), self._cache.length
        if k <= 0 or n_known <= done:
            return EMPTY
        ids = torch.tensor(tokens[done + 1: n_known + 1], dtype=torch.long, device=self.vocab.device)
        # catch up: one entry [f_i ; e(x_{i+1})] for every verified feature the cache lacks
        feature = self._step(known[done:n_known], ids)[-1:]
        self._true_entries = self._cache.length
        drafts, q_rows = [], []
        runners_up = ()
        for depth in range(k):
            small = feature @ self.rows.T                            # [1, |vocab|]
            if depth == 0 and sampling.greedy:
                runners_up = self._runners_up(small, self.alternatives_for(k))
            token, q = self._choose(small, sampling, rng)
            drafts.append(token)
            if q is not None:
                q_rows.append(q)
            if token in self._eos or depth == k - 1:
                break
            feature = self._step(feature, torch.tensor([token], device=self.vocab.device))
        return Draft(drafts, np.stack(q_rows) if q_rows else None, runners_up)

    def _step(self, features, next_ids) -> torch.Tensor:
        self._forwards += 1
        # a catch-up over several verified tokens uses every core (row_kernel.py)
        with column_products(self._head_linears, len(next_ids)):
            return self.head.step(features[None], self.embed(next_ids)[None], self._cache)

    def _choose(self, small, sampling, rng):
        """The draft token from the restricted head's logits: argmax, or a sample from the processed q."""
        if sampling.greedy:
            return int(self.vocab[int(small.argmax())]), None
        logits = torch.full((1, self.full_size), float("-inf"), device=small.device)
        logits[0, self.vocab] = small[0].float()
        q = sampling.probs(logits)[0]
        return int(sample_categorical(q, rng.random())), q

    def _runners_up(self, small, m: int) -> tuple:
        """The draft's 2nd..(m+1)th most likely tokens, from the restricted head's logits."""
        if m <= 0:
            return ()
        top = small[0].topk(min(m + 1, len(self.vocab))).indices[1:]
        return tuple(int(t) for t in self.vocab[top])

    def alternatives_for(self, k: int) -> int:
        """How many alternatives to offer beside a chain of k drafts: the fixed count if one was
        given, else the count with the best expected speedup from the measured rates (0 if unmeasured)."""
        if self.alternatives is not None:
            return self.alternatives if k > 0 else 0
        if k <= 0 or not self._measured() or not self.first_hits:
            return 0
        if k not in self._plans:
            self._plans[k] = alternatives_for(k, self.rates, self.c, self.pass_costs, self.first_hits)
        return self._plans[k]

    def _measured(self) -> bool:
        return bool(self.rates) and self.c is not None and bool(self.pass_costs)

    def feedback(self, valid_length: int, n_drafted: int, n_accepted: int) -> None:
        """Drop entries built from predicted features: keep one entry per verified feature only."""
        self._cache.crop(self._true_entries)

    @property
    def forwards(self) -> int:
        """Draft forward passes (catch-up and drafting steps) in the current generation."""
        return self._forwards

    @property
    def alpha(self) -> float | None:
        """Held-out acceptance of the first draft (None when never measured)."""
        return None if not self.rates else self.rates[0]

    def default_policy(self):
        """FixedK(k) with the k that maximizes the expected speedup from this draft's measured
        acceptance per depth, top-j hit rates, c and target pass costs (measured_k.best_plan; greedy
        rounds then add alternatives_for(k) runners-up); k = 2 when unmeasured.

        k = 0 (plain decoding) when no k is expected to pay on the machine the costs were measured on.
        """
        if not self._measured():
            return FixedK(UNMEASURED_K)
        return FixedK(best_plan(self.rates, self.c, self.pass_costs, self.first_hits)[0])

    def draft_step_call(self, tokens: list, features: torch.Tensor):
        """A call running one draft step after `tokens` (their target features [len(tokens) - 1,
        hidden] given): one head step and the restricted head's choice, then the cache put back.
        What c times: without features a drafter has nothing to draft from."""
        self.start(tokens, frozenset())
        self.accept_features(features)
        self.propose(tokens, 1, Sampling(), None)        # fills the cache with the prompt's entries
        self.feedback(len(tokens) - 1, 1, 0)
        kept = self._cache.length
        feature, token = features[-1:], torch.tensor([tokens[-1]], device=self.vocab.device)

        @torch.inference_mode()
        def step():
            chosen = self._choose(self._step(feature, token) @ self.rows.T, Sampling(), None)
            self._cache.crop(kept)
            return chosen
        return step

    def measure_costs(self, tokens: list) -> None:
        """Measure c and the target's pass costs t(n)/t(1) on this machine, with `tokens` as context:
        3 to MAX_COST_TOKENS token ids of the target's vocabulary, leaving room for COST_PASS_TOKENS more."""
        from ..measure.draft_cost import measure_draft_cost, measure_pass_costs

        tokens = self._cost_tokens(tokens)
        self.use_costs(measure_draft_cost(self, self.target, tokens),
                       measure_pass_costs(self.target, tokens, COST_PASS_TOKENS))

    def _cost_tokens(self, tokens) -> list:
        """`tokens` as a list of ids a cost measurement can run on, or one error naming them."""
        ids = as_count_array(tokens, "tokens", maximum=self.full_size - 1)
        limit = position_limit(self.target)
        longest = MAX_COST_TOKENS if limit is None else min(MAX_COST_TOKENS, limit - COST_PASS_TOKENS)
        if ids.ndim != 1 or not 3 <= ids.size <= longest:
            raise ValueError(f"tokens must be a flat list of 3 to {longest:,} token ids (the context the costs are "
                             f"timed on); got {ids.size:,} in shape {ids.shape}")
        return ids.tolist()

    def use_costs(self, c: float, pass_costs) -> None:
        """Plan k and the runners-up with these costs from now on: c, and t(n)/t(1) for n = 1, 2, ...
        (a draft loaded from a file carries the costs of the machine that made it). Both are checked
        before either is kept."""
        c = as_nonnegative(c, "c", scalar=True)
        pass_costs = _optional_list(pass_costs, "pass_costs", as_nonnegative)
        self.c, self.pass_costs, self._plans = c, pass_costs, {}

    def __repr__(self) -> str:
        return f"FeatureDrafter(vocab={len(self.vocab)}, hidden={self.head.hidden})"
