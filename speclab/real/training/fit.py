"""Train the feature-level draft by self-distillation: `train_draft(target, tokenizer)` -> (drafter, record).

1. The target answers the built-in prompts (greedy, batched); its tokens and features are kept.
   On a CPU a bfloat16 copy of the target writes the training text, twice as fast: the draft
   only needs text like the target's. The held-out text is written by the target itself.
2. The restricted vocabulary is the target's most frequent answer tokens (FR-Spec).
3. The FeatureHead learns to match the target's next-token distribution over that vocabulary,
   drafting `depth` tokens deep on its own predicted features (EAGLE-3's training-time test), so
   deeper drafts see at training what they will see when drafting. The default is depth 1:
   on a CPU's budget the first draft is the one worth the fitting time (k = 1 wins there).
   On a CPU with bfloat16 support the fit runs under bfloat16 autocast (about 1.8x faster,
   the same held-out acceptance in our runs).
4. Held-out prompts give the acceptance (greedy agreement at depths 1..3) as training goes.
Everything is seeded: same seed, same weights.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..._validate import as_count
from ...limits import MAX_COST_TOKENS
from ..drafters.feature_head import FeatureHead
from .corpus import WRITE_BATCH, Corpus, cpu_has_bf16, write_corpus
from ..drafters.feature import FeatureDrafter


#: Held-out acceptance is measured this many drafts deep, whatever depth training unrolls, so
#: the default k sees what deeper drafts of this head would really achieve.
EVALUATED_DEPTHS = 3


@dataclass
class TrainingRecord:
    """What training did, for plots and reports (plain numbers, so it saves with the weights).

    heldout_acceptance[i][d] is the greedy agreement at depth d+1 on held-out answers after
    heldout_steps[i] steps: P(draft's token == target's greedy token | the d earlier drafts were right),
    i.e. accepted/drafted at that depth under greedy decoding.
    """

    steps: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    heldout_steps: list = field(default_factory=list)
    heldout_acceptance: list = field(default_factory=list)
    n_prompts: int = 0
    n_tokens: int = 0
    variants: int = 1                    # answers per prompt: the first greedy, the rest sampled
    max_new_tokens: int = 0              # the longest answer
    vocab_size: int = 0
    depth: int = 0
    seed: int = 0
    generate_seconds: float = 0.0
    train_seconds: float = 0.0
    alpha: float = float("nan")          # held-out greedy agreement of the first draft (last evaluation)
    c: float = float("nan")              # one draft step / one cached target step, measured after training
    first_hits: list = field(default_factory=list)    # P(target's token in the draft's top j), j = 1..8, held out
    pass_costs: list = field(default_factory=list)    # t(n)/t(1), n = 1..9, measured on this machine
    cost_tokens: list = field(default_factory=list)   # the context the costs were measured on

    @property
    def seconds(self) -> float:
        return self.generate_seconds + self.train_seconds

    def as_dict(self) -> dict:
        return asdict(self)


def train_draft(target, tokenizer=None, prompts=None, heldout=None, max_new_tokens: int = 96,
                vocab_size: int = 4096, depth: int = 1, epochs: int = 5, batch_size: int = 8,
                lr: float = 2e-3, seed: int = 0, progress: bool = True, measure_c: bool = True,
                fast_writer: bool = True, variants: int = 1, corpus: Corpus | None = None,
                corpus_tokens: int | None = None, write_batch: int = WRITE_BATCH):
    """Train a FeatureDrafter for `target` on its own answers; returns (drafter, TrainingRecord).

    prompts / heldout: strings (chat-formatted with the tokenizer) or token-id lists; default the
    built-in training prompts and held-out topics. variants: answers per prompt (the first greedy,
    the rest sampled). corpus: text already written by `write_corpus` (then prompts, heldout,
    max_new_tokens, variants and fast_writer are its own); corpus_tokens: train on its leading
    answers holding that many tokens. vocab_size: rows of the target's head the draft scores.
    depth: how many tokens deep training drafts on its own features. fast_writer: on a CPU, a
    bfloat16 copy of the target writes the training text (False: the target itself). write_batch:
    answers written at once (fewer: less memory, a little slower; see corpus.WRITE_BATCH).
    """
    vocab_size = as_count(vocab_size, "vocab_size", minimum=2)
    depth = as_count(depth, "depth", minimum=1)
    epochs = as_count(epochs, "epochs", minimum=1)
    batch_size = as_count(batch_size, "batch_size", minimum=1)
    seed = as_count(seed, "seed", minimum=0)
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    if corpus is None:
        corpus = write_corpus(target, tokenizer, prompts, heldout, max_new_tokens, variants, seed, progress,
                              fast_writer, write_batch)
    elif not isinstance(corpus, Corpus):
        raise ValueError(f"corpus must be None or a Corpus from write_corpus; got {type(corpus).__name__}")
    data = corpus.data if corpus_tokens is None else corpus.first(as_count(corpus_tokens, "corpus_tokens", minimum=1))
    held, eos = corpus.held, corpus.eos
    record = TrainingRecord(n_prompts=corpus.settings["n_prompts"], depth=depth, seed=seed,
                            variants=corpus.settings["variants"], max_new_tokens=corpus.settings["max_new_tokens"])
    record.generate_seconds = corpus.seconds * corpus.tokens(data) / max(1, corpus.tokens())
    record.n_tokens = corpus.tokens(data)

    vocab = frequent_tokens(data, vocab_size, eos)
    record.vocab_size = len(vocab)
    generator = torch.Generator().manual_seed(seed)
    head = FeatureHead(int(target.config.hidden_size if hasattr(target.config, "hidden_size")
                           else target.get_input_embeddings().weight.shape[1])).reset(generator)
    with torch.no_grad():   # start at the target's feature scale, so the first logits are not all flat
        head.norm_out.copy_(torch.cat([s.features for s in data]).pow(2).mean(0).sqrt())
    begin = time.perf_counter()
    _fit(head, target, vocab, data, held, record, depth, epochs, batch_size, lr, generator, progress)
    record.train_seconds = time.perf_counter() - begin

    record.alpha = float(record.heldout_acceptance[-1][0])
    record.first_hits = heldout_top_hits(head, rows_of(target, vocab), vocab, held, target.get_input_embeddings())
    drafter = FeatureDrafter(target, head, vocab, rates=record.heldout_acceptance[-1], first_hits=record.first_hits)
    if measure_c:                                     # the costs the default k is chosen from
        record.cost_tokens = held[0].tokens.tolist()[:MAX_COST_TOKENS]   # what measure_costs accepts
        drafter.measure_costs(record.cost_tokens)
        record.c, record.pass_costs = drafter.c, drafter.pass_costs
    return drafter, record


def frequent_tokens(data: list, size: int, eos) -> torch.Tensor:
    """The `size` tokens the target writes most often (EOS always in), most frequent first."""
    counts = torch.zeros(int(max(int(s.tokens.max()) for s in data)) + 1, dtype=torch.long)
    for s in data:
        counts += torch.bincount(s.tokens[s.first_generated:], minlength=len(counts))
    for t in eos:
        if t < len(counts):
            counts[t] += counts.max() + 1
    order = torch.argsort(-counts, stable=True)
    order = order[counts[order] > 0][:size]
    return order.sort().values


# ------------------------------------------------------------------------------------ fitting

def _batches(data: list, batch_size: int, generator, shuffle: bool = True):
    order = torch.randperm(len(data), generator=generator).tolist() if shuffle else list(range(len(data)))
    for start in range(0, len(order), batch_size):
        yield [data[i] for i in order[start: start + batch_size]]


def _collate(batch: list, embed):
    """Right-padded [B, T, .] inputs: features f_i, next-token embeddings e(x_{i+1}), lengths."""
    t = max(len(s.features) for s in batch)
    hidden = batch[0].features.shape[1]
    feats = torch.zeros(len(batch), t, hidden)
    nexts = torch.zeros(len(batch), t, dtype=torch.long)
    tokens = torch.full((len(batch), t + 2), -1, dtype=torch.long)
    lengths = torch.tensor([len(s.features) for s in batch])
    gen_from = torch.tensor([s.first_generated for s in batch])
    for row, s in enumerate(batch):
        n = len(s.features)
        feats[row, :n] = s.features
        nexts[row, :n] = s.tokens[1: n + 1]
        tokens[row, : n + 1] = s.tokens[: n + 1]
    with torch.no_grad():
        embedded = embed(nexts).float()
    return feats, embedded, tokens, lengths, gen_from


def _valid(lengths, t: int, m: int) -> torch.Tensor:
    """Entries i whose target feature f_{i+1} exists and whose depth-m chain starts at i-m+1 >= 0."""
    i = torch.arange(t)[None, :]
    return (i + 1 < lengths[:, None]) & (i >= m - 1)


def _losses(head, rows, feats, embedded, lengths, depth):
    """Cross-entropy of each pass's restricted distribution against the target's (soft labels)."""
    outputs = head.unrolled(feats, embedded, depth)
    with torch.no_grad():
        target_logp = torch.log_softmax(_shift_left(feats) @ rows.T, dim=-1)
    total, weight_sum = 0.0, 0.0
    t = feats.shape[1]
    for m, out in enumerate(outputs, start=1):
        mask = _valid(lengths, t, m)
        logq = torch.log_softmax(out @ rows.T, dim=-1)
        ce = -(target_logp.exp() * logq).sum(-1)
        weight = 0.8 ** (m - 1)
        total = total + weight * (ce * mask).sum() / mask.sum().clamp(min=1)
        weight_sum += weight
    return total / weight_sum, outputs


def _shift_left(x: torch.Tensor) -> torch.Tensor:
    """x[:, i] becomes x[:, i+1] (the target feature of entry i), zeros at the end."""
    return torch.cat([x[:, 1:], torch.zeros_like(x[:, :1])], dim=1)


def rows_of(target, vocab) -> torch.Tensor:
    """The target's output-head rows of the restricted vocabulary, float32 on the CPU (for fitting)."""
    return target.get_output_embeddings().weight.detach().float().cpu()[vocab]


def _fit(head, target, vocab, data, held, record, depth, epochs, batch_size, lr, generator, progress):
    embed = target.get_input_embeddings()
    rows = rows_of(target, vocab)
    head.cpu().train()
    optimizer = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.01)
    n_batches = -(-len(data) // batch_size)
    total = epochs * n_batches
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total, pct_start=0.1)
    evaluate_every = max(1, total // 12)
    bar = tqdm(total=total, desc="training the draft", disable=not progress)
    step = 0
    for _ in range(epochs):
        for batch in _batches(data, batch_size, generator):
            feats, embedded, _, lengths, _ = _collate(batch, embed)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_has_bf16()):   # about 1.8x faster
                loss, _ = _losses(head, rows, feats, embedded, lengths, depth)
            loss = loss.float()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            record.steps.append(step)
            record.loss.append(float(loss.detach()))
            if step % evaluate_every == 0 or step == total:
                record.heldout_steps.append(step)
                record.heldout_acceptance.append(heldout_acceptance(head, rows, vocab, held, embed,
                                                                    max(depth, EVALUATED_DEPTHS)))
                bar.set_postfix(loss=f"{float(loss.detach()):.2f}", accept=f"{record.heldout_acceptance[-1][0]:.2f}")
            bar.update()
    bar.close()
    head.eval()


@torch.no_grad()
def _heldout_outputs(head, held, embed, depth: int):
    """Per batch of held-out answers, in eval mode: the head's outputs at depths 1..depth, the token
    each entry guesses (entry i guesses x_{i+2}), and per depth the entries in the generated part."""
    was_training = head.training
    head.eval()
    try:
        for batch in _batches(held, 32, None, shuffle=False):
            feats, embedded, tokens, lengths, gen_from = _collate(batch, embed)
            t = feats.shape[1]
            truth = tokens[:, 2: t + 2]
            answer = (torch.arange(t)[None, :] + 2 >= gen_from[:, None]) & (truth >= 0)
            masks = [_valid(lengths, t, m) & answer for m in range(1, depth + 1)]
            yield head.unrolled(feats, embedded, depth), truth, masks
    finally:
        head.train(was_training)


def heldout_top_hits(head, rows, vocab, held, embed, most: int = 8) -> list:
    """h_j = P(the target's greedy token is among the first draft's top j), j = 1..most, on the
    generated part of held-out answers: what alternatives for the first draft can add."""
    return heldout_hits_by_depth(head, rows, vocab, held, embed, 1, most)[0]


def heldout_hits_by_depth(head, rows, vocab, held, embed, depth: int, most: int = 8) -> list:
    """h[d-1][j-1] = P(the target's greedy token is among the draft's top j at depth d), d = 1..depth,
    j = 1..most, teacher-forced on the generated part of held-out answers (the tokens before are the
    target's, as when the d-1 drafts before were right): what runners-up at each depth can add."""
    most = min(most, len(vocab))
    hits, count = np.zeros((depth, most)), np.zeros(depth)
    for outputs, truth, masks in _heldout_outputs(head, held, embed, depth):
        for d, (out, mask) in enumerate(zip(outputs, masks)):
            top = vocab[(out @ rows.T).topk(most, dim=-1).indices]
            found = (top == truth[..., None]).cumsum(-1).clamp(max=1) & mask[..., None]
            hits[d] += found.sum((0, 1)).double().numpy()
            count[d] += float(mask.sum())
    return (hits / np.maximum(count, 1.0)[:, None]).tolist()


def heldout_acceptance(head, rows, vocab, held, embed, depth) -> list:
    """Greedy agreement per depth on the generated part of held-out answers (teacher-forced tokens)."""
    hits, counts = np.zeros(depth), np.zeros(depth)
    for outputs, truth, masks in _heldout_outputs(head, held, embed, depth):
        for m, (out, mask) in enumerate(zip(outputs, masks)):
            guess = vocab[(out @ rows.T).argmax(-1)]
            hits[m] += float(((guess == truth) & mask).sum())
            counts[m] += float(mask.sum())
    return (hits / np.maximum(counts, 1)).tolist()
