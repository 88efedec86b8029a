"""The hybrid drafter: copy when the context repeats earlier text, ask the trained head otherwise.

Copying drafters (prompt lookup, the suffix store) are nearly free and right almost every time
in an edit or a repeated answer, and have nothing to say in new text; a learned head (the
feature draft) says something everywhere, at a lower hit rate and a real cost per draft.
Production systems combine the two the same way (suffix decoding beside a learned speculator).
Each round the hybrid checks whether the context's last `min_match` tokens occurred before, in
the prompt, this output or the copier's session store; if so, and the copier proposes, the
copy is sent; otherwise the head drafts.

Why MIN_MATCH = 4: two or three tokens ("of the", ", and the") repeat in any prose, so a
shorter match would hand most rounds of open text to the copier, whose acceptance there was
0.17-0.33 (suffix.py: open text new to the session), no better than the head's and spent on
longer chains. Four repeated tokens (about three words) are rare by chance and are what an edit
or a repeated question looks like, where a copy is accepted nearly whole. It is a judgment to be
checked by measurement (a sweep of min_match over edits and open prompts), hence a parameter.

Every component sees every round. The copier is asked every round (so the output it stores for
the session is whole), and its draft is sent only after a long enough match. The head receives
the target's features of every kept token (so it catches up over copied tokens before its next
draft). `feedback` reaches both: the proposer with its counts, the other with none drafted (the
head crops its cache to the verified entries; the copier's back-off learns from its own drafts).
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_count, short_repr
from ...policies import FixedK
from .base import EMPTY, Draft, default_policy
from .suffix import SuffixDrafter

#: Tokens of context that must have occurred before for a copy to be sent (see the docstring).
MIN_MATCH = 4
#: The longest match the check may require (the suffix store matches at most 32 tokens by default).
MAX_MATCH = 64
#: Who proposed a round: the copier, the head, or nobody (a plain target step).
COPY, HEAD, NOTHING = "copy", "head", "nothing"


def _check_drafter(drafter, name: str) -> None:
    if not all(callable(getattr(drafter, method, None)) for method in ("start", "propose", "feedback")):
        raise ValueError(f"{name} must be a drafter (with start, propose and feedback); got {short_repr(drafter)}")


class HybridDrafter:
    """Draft by copying (`copier`, default a SuffixDrafter) when the last `min_match` tokens of the
    context occurred before, else by the trained `head` drafter (a FeatureDrafter), at most `head_k`
    drafts (default: the head's own good k)."""

    name = "hybrid (copy, else trained head)"

    def __init__(self, head, copier=None, min_match: int = MIN_MATCH, head_k: int | None = None):
        _check_drafter(head, "head")
        copier = SuffixDrafter() if copier is None else copier
        _check_drafter(copier, "copier")
        if getattr(copier, "wants_features", False) or copier is head:
            raise ValueError(f"copier must be a copying drafter such as SuffixDrafter() or PromptLookupDrafter(), "
                             f"not the head; got {short_repr(copier)}")
        self.learned, self.copier = head, copier
        self.min_match = as_count(min_match, "min_match", minimum=1, maximum=MAX_MATCH)
        self.head_k = None if head_k is None else as_count(head_k, "head_k")
        self._store = np.zeros(0, dtype=np.int64)
        self._seq = np.zeros(0, dtype=np.int64)
        self._proposer = NOTHING
        self._own_k = self._head_k()
        self._reset_split()

    # ------------------------------------------------------------------ what the decoder reads

    @property
    def wants_features(self) -> bool:
        return bool(getattr(self.learned, "wants_features", False))

    @property
    def head(self):
        """The head drafter's network (so the decoder runs it in eval mode)."""
        return getattr(self.learned, "head", None)

    @property
    def model(self):
        """The head drafter's draft model, when it runs one (so the decoder runs it in eval mode)."""
        return getattr(self.learned, "model", None)

    @property
    def forwards(self) -> int:
        return int(getattr(self.learned, "forwards", 0)) + int(getattr(self.copier, "forwards", 0))

    def default_policy(self) -> FixedK:
        """The longer of the copier's own k and the head's: copies are sent long, while the head
        never drafts more than `head_k` (its own good k) whatever the round allows."""
        return FixedK(max(default_policy(self.copier).max_k, self._head_k()))

    def draft_step_call(self, tokens: list, features):
        """The head's draft step (what c times in a survey): a copy costs next to nothing, so c
        charges every hybrid draft at the head's price, an upper bound on the drafting cost."""
        return self.learned.draft_step_call(tokens, features)

    # ------------------------------------------------------------------ the session store

    def saved_store(self):
        """The copier's session store (None when it keeps none), for restore_store()."""
        saved = getattr(self.copier, "saved_store", None)
        return saved() if callable(saved) else None

    def restore_store(self, store) -> None:
        """Give the copier back a store from saved_store(), so a prompt timed again never copies
        its own earlier answer."""
        if store is not None:
            self.copier.restore_store(store)

    # ------------------------------------------------------------------ the split

    @property
    def split(self) -> dict:
        """This generation's rounds by proposer ("copy", "head", "nothing"), each with its rounds,
        drafted and accepted tokens: what a benchmark prints beside the speedup."""
        return {who: dict(counts) for who, counts in self._split.items()}

    def _reset_split(self) -> None:
        self._split = {who: {"rounds": 0, "drafted": 0, "accepted": 0} for who in (COPY, HEAD, NOTHING)}

    # ------------------------------------------------------------------ the drafter protocol

    def start(self, prompt_ids, eos=frozenset()) -> None:
        """A new generation for both components; the copier's session store is read once (it only
        changes between generations)."""
        self.copier.start(prompt_ids, eos)
        self.learned.start(prompt_ids, eos)
        saved = self.saved_store()
        self._store = np.zeros(0, dtype=np.int64) if saved is None else np.asarray(saved, dtype=np.int64)
        self._seq = np.zeros(0, dtype=np.int64)
        self._own_k = self._head_k()
        self._reset_split()

    def accept_features(self, features) -> None:
        """The target's features of newly kept tokens go to the head, whoever proposed the round."""
        self.learned.accept_features(features)

    def propose(self, tokens: list, k: int, sampling=None, rng=None) -> Draft:
        """The copier's draft when the context repeats, else the head's (at most head_k tokens)."""
        self._proposer = NOTHING
        if k <= 0:
            return EMPTY
        copy = self.copier.propose(tokens, k, sampling, rng)     # asked every round, so its view of
        if copy.tokens and self.repeats(tokens):                 # the output (its store) stays whole
            self._proposer = COPY
            return copy
        m = min(k, self._own_k)
        draft = self.learned.propose(tokens, m, sampling, rng) if m > 0 else EMPTY
        if draft.tokens:
            self._proposer = HEAD
        return draft

    def feedback(self, valid_length: int, n_drafted: int, n_accepted: int) -> None:
        """Every component hears the round: the proposer with its counts, the other with none drafted."""
        who = self._proposer
        for name, component in ((COPY, self.copier), (HEAD, self.learned)):
            mine = name == who
            component.feedback(valid_length, n_drafted if mine else 0, n_accepted if mine else 0)
        counts = self._split[who]
        counts["rounds"] += 1
        counts["drafted"] += n_drafted
        counts["accepted"] += n_accepted

    # ------------------------------------------------------------------ the decision

    def repeats(self, tokens: list) -> bool:
        """Whether the last min_match tokens of `tokens` occurred earlier in `tokens` or in the
        copier's session store (with a token after them, so a copy has something to send)."""
        seq = self._extend(tokens)
        n = self.min_match
        if len(seq) <= n:
            return False
        suffix = seq[-n:]
        return _occurs(seq[:-1], suffix) or _occurs(self._store, suffix, followed=True)

    def _extend(self, tokens: list) -> np.ndarray:
        """Keep a numpy copy of the sequence, appending only what is new."""
        n = len(self._seq)
        if n > len(tokens) or (n and self._seq[-1] != tokens[n - 1]):
            self._seq = np.asarray(tokens, dtype=np.int64)
        elif n < len(tokens):
            self._seq = np.concatenate([self._seq, np.asarray(tokens[n:], dtype=np.int64)])
        return self._seq

    def _head_k(self) -> int:
        return default_policy(self.learned).max_k if self.head_k is None else self.head_k

    def __repr__(self) -> str:
        return (f"HybridDrafter(head={self.learned!r}, copier={self.copier!r}, min_match={self.min_match}, "
                f"head_k={self.head_k})")


def _occurs(haystack: np.ndarray, needle: np.ndarray, followed: bool = False) -> bool:
    """Whether `needle` is a run of `haystack` (followed: with a token after it that is not the
    store's separator)."""
    n = len(needle)
    end = len(haystack) - (1 if followed else 0)
    if end < n:
        return False
    starts = np.flatnonzero(haystack[: end - n + 1] == needle[0])
    for offset in range(1, n):
        if starts.size == 0:
            return False
        starts = starts[haystack[starts + offset] == needle[offset]]
    if followed:
        starts = starts[haystack[starts + n] >= 0]
    return bool(starts.size)
