"""Build notebooks/06_why_verification_is_cheap.ipynb: memory-bound decoding, the roofline, batch size."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from speclab.exercises import ex5  # noqa: E402
from tools.nbtools import IGNORE_OUTPUT, build, code, header_cells, md  # noqa: E402
from tools.notebooks.exercise_cells import with_exercise  # noqa: E402

FILENAME = "06_why_verification_is_cheap.ipynb"

CELLS = header_cells(
    FILENAME,
    "06 · Why verification is cheap: the roofline, and why batch size changes the answer",
    """
Every speedup in notebooks 03 to 05 rests on one assumption: the target model scores $K+1$
tokens in one pass for about the price of one. This notebook shows **why** that holds when a
GPU decodes one sequence, and **when it stops holding**: as the batch grows, the verification
pass turns from memory-bound to compute-bound, its cost grows with $K+1$, and speculative decoding
becomes slower than plain decoding. That is the answer to the first question practitioners ask:
*why is it slower at batch 32?*

You will compute the step time of a GPU from two datasheet numbers, draw the roofline and its
ridge point, measure $t(n)/t(1)$ for the offline model on this CPU beside the GPU's model, drag an
explorer over model size, bandwidth, FLOP/s, $K$ and batch size, and find the batch size where
speculation stops paying. Every number comes from `speclab.roofline`, which is tested against
hand-computed cases.
""",
) + [
    code("""
import textwrap
import matplotlib.pyplot as plt
from speclab import roofline as rl
from speclab.plots import panels, roofline as roofline_plots
from speclab.widgets import roofline_explorer
"""),
    md("""
## 1. One decoding step streams every weight once

To produce the next token the target multiplies one activation vector by every weight matrix of
the model. Each weight is read from memory once and used for one multiply and one add, so

* the **bytes** moved are the parameters times the bytes per parameter (2 in fp16/bf16), and
* the **arithmetic** is about $2 \\times$ parameters FLOPs per token.

A GPU moves bytes at its memory bandwidth and does FLOPs at its peak rate, and the step takes
as long as the slower of the two:

$$t_{\\text{step}} = \\max\\left(\\frac{\\text{bytes}}{\\text{bandwidth}},\\;
\\frac{\\text{batch} \\times \\text{tokens} \\times 2 \\times \\text{parameters}}{\\text{peak FLOP/s}}\\right).$$

Take a 7-billion-parameter model in fp16 on an NVIDIA H100 SXM. The two hardware numbers come
from NVIDIA's datasheet (dense BF16: the datasheet's 1,979 TFLOPS is quoted with 2:4 sparsity,
and dense is half of it):
"""),
    code("""
gpu = rl.H100_SXM
print(f"{gpu.name}: {gpu.bandwidth / 1e12} TB/s, {gpu.peak_flops / 1e12:.0f} TFLOP/s dense BF16")
print(textwrap.fill("source: " + gpu.source, 100))
"""),
    code("""
params = 7e9
print(f"weights in fp16:               {rl.weight_bytes(params) / 1e9:.0f} GB")
print(f"streaming them once:           {rl.memory_seconds(params, gpu.bandwidth) * 1e3:.2f} ms")
for n in (1, 5):
    print(f"arithmetic for {n} token(s):     {rl.compute_seconds(params, gpu.peak_flops, tokens=n) * 1e3:.3f} ms")
for n in (1, 5):
    print(f"one step over {n} token(s):      {rl.step_seconds(params, gpu.bandwidth, gpu.peak_flops, tokens=n) * 1e3:.2f} ms")
"""),
    md("""
Reading 14 GB takes about 4.2 ms; the arithmetic for **five** tokens takes 0.07 ms, about sixty
times less. The compute units spend most of the step waiting for weights. So scoring $K+1 = 5$ drafted
positions in one pass costs the same 4.2 ms as scoring one: the weights stream once either way.
This is why verification is (almost) free and why notebook 03's speedup formula charges one
target step per round.

(Datasheet figures are peaks; real kernels reach a fraction of both, so real steps are slower.
What matters here is the ratio of the two, which the next section names.)

## 2. The roofline and its ridge point

The **arithmetic intensity** of a step is its FLOPs per byte moved. One fp16 token does 2 FLOPs
per 2-byte weight: an intensity of 1. A processor can sustain at most
$\\min(\\text{peak},\\ \\text{intensity} \\times \\text{bandwidth})$ FLOP/s; drawn on log-log axes this
is the **roofline** (Williams, Waterman and Patterson, *Roofline: an insightful visual performance
model for multicore architectures*, CACM 2009): a slope while memory limits, a flat roof once
compute does. The corner is the **ridge point**, peak / bandwidth FLOP per byte. Left of it a
step is memory-bound and extra tokens ride along for free; right of it every token costs.
"""),
    code("""
for chip in (rl.H100_SXM, rl.A100_SXM, rl.L4):
    print(f"{chip.name:14s} ridge point {rl.ridge_point(chip.bandwidth, chip.peak_flops):5.0f} FLOP/byte"
          f" = {rl.ridge_tokens(chip.bandwidth, chip.peak_flops):4.0f} tokens per fp16 weight pass")
print()
for chip in (rl.A100_SXM, rl.L4):
    print(textwrap.fill(f"{chip.name} source: {chip.source}", 100))
"""),
    md("""
Without a KV cache the intensity of a step is simply (tokens scored per weight pass) $\\times$ 2 /
(bytes per parameter), whatever the model's size. So on an H100 in fp16 a weight pass can score
about 295 tokens before the arithmetic catches up with the memory traffic. One sequence verifying
$K+1 = 5$ tokens is far to the left. Batching 32 sequences moves the plain step to intensity 32
and the verification pass to 160; at batch 256 the pass is past the ridge:
"""),
    code("fig = roofline_plots.plot_roofline(gpu, params=7e9, k=4, batches=(1, 32, 256))"),
    md("""
## 3. Measured on this CPU, modelled on a GPU

`speclab.real.measure.timing.kernel_growth` times one cached forward pass of the offline model
(SmolLM2-135M) over $n = 1, 2, \dots, 8$ new tokens on top of a real prompt, and divides by the
one-token time: $t(n)/t(1)$, the cost of verifying $n$ tokens in units of one step. It does so for
two kernels, all sizes of both interleaved in the same ABBA blocks so that a busy neighbour slows
both alike: torch's **stock** kernel, and speclab's **column** kernel, which computes each linear
layer over 2 to 8 tokens as one product $W x^\\top$ (`speclab.real.row_kernel`). Each ratio is
paired within half a block; the bars are 95% bootstrap intervals of the median. Beside
them: the roofline model of the same model in fp16 on an H100, batch 1. Torch runs on as many
threads as this process may really use (the cores it may run on, capped by its CPU quota).
"""),
    code("""
import torch
from speclab.real import PROMPTS, chat_input_ids, load_offline_model
from speclab.real.measure.timing import kernel_growth, thread_growth
from speclab.real.threads import set_torch_threads

threads = set_torch_threads()
model, tokenizer = load_offline_model()
n_params = sum(p.numel() for p in model.parameters())
prompt_ids = chat_input_ids(tokenizer, PROMPTS["repeat"])
growth = kernel_growth(model, prompt_ids, max_tokens=8, blocks=5)
print(f"{n_params / 1e6:.0f}M parameters in {model.dtype}, {threads} torch threads")
for kernel, spreads in growth.items():
    print(f"{kernel:6s} kernel t(n)/t(1), n = 2..8: " + "  ".join(f"{g.median:.2f}" for g in spreads[1:]))
""", tags=(IGNORE_OUTPUT,)),
    code("""
fig = roofline_plots.plot_kernel_growth(growth, params=n_params, accelerator=gpu)   # measured: varies run to run
column, stock = growth["column"][4].median, growth["stock"][4].median
g = (column - 1) / 4
modelled = rl.verify_cost_ratio(n_params, gpu.bandwidth, gpu.peak_flops, k=4)
print(f"t(5)/t(1): stock {stock:.2f}, column {column:.2f} (verify growth g = {g:.3f} per draft); "
      f"{gpu.name}: {modelled:.2f}")
print(f"speedup at alpha 0.8, K 4, c 0.05: column's growth {sl.speedup(0.8, 4, 0.05, max(g, 0)):.2f}x, "
      f"stock's {sl.speedup(0.8, 4, 0.05, max((stock - 1) / 4, 0)):.2f}x, none {sl.speedup(0.8, 4, 0.05):.2f}x")
""", tags=(IGNORE_OUTPUT,)),
    md("""
On this CPU a pass over a few tokens costs more than one step, and the two kernels differ. Why?
One candidate is the cores: a one-token pass is a matrix-vector product, which a CPU may run
little faster on two cores than on one, while a product over several rows splits well. Rather
than assume it, time it: a one-token and a two-token pass, on one thread and on all of them, in
the same interleaved blocks (about 15 s):
"""),
    code("""
timed = thread_growth(model, prompt_ids, threads=sorted({1, threads}), rows=(1, 2), blocks=5)
ms = {key: 1000 * s.median for key, s in timed.items()}
for n in (1, threads):
    print(f"{n} thread(s): t(1) = {ms[n, 1]:.1f} ms, t(2) = {ms[n, 2]:.1f} ms, t(2)/t(1) = {ms[n, 2] / ms[n, 1]:.2f}")
if threads > 1:
    one, two = ms[1, 1] / ms[threads, 1], ms[1, 2] / ms[threads, 2]
    print(f"{threads} threads speed up a one-token pass {one:.2f}x and a two-token pass {two:.2f}x: "
          + ("the extra cores help the wider pass more" if two > 1.05 * one else "about alike"))
""", tags=(IGNORE_OUTPUT,)),
    md("""
Read the last line as this machine's answer. Where the extra cores speed up the two-token pass
clearly more than the one-token pass, part of what makes verification cheap here is a core that
plain decoding leaves idle, and plain decoding could use it too (notebook 05 times **two-row
plain decoding**, whose passes read a dummy row beside the real one, for that reason). Where they
help both alike, $t(2)/t(1)$ is simply the cost of the second row's arithmetic and memory traffic
on this CPU. A curve that is not monotone, $t(4) < t(3)$ say, is the matrix library choosing
different kernels for different row counts, plus the spread of a shared machine; the bars show
how much.

What carries over to a GPU is the other mechanism, the one section 1 computed: one token leaves
almost all of the arithmetic idle while the weights stream, and plain decoding cannot use it,
because it has only one token to score. The measured growth $g$ is the *verify growth* of
notebook 03, section 8: a verification pass over $K+1$ tokens costs $1 + gK$ plain steps, the
figure to feed into `sl.speedup` when you plan for this machine.

## 4. Why is it slower at batch 32?

Serving systems decode many sequences together: one weight pass serves the whole batch. That is
exactly the trick speculative decoding plays along the sequence, so the two compete for the same
idle arithmetic. At batch $B$:

* a plain step scores $B$ tokens, a verification pass $B(K+1)$, per weight pass;
* both are memory-bound (verification free) while $B(K+1)$ stays below the ridge tokens;
* past that the pass costs $B(K+1)/\\text{ridge tokens}$ plain steps, and once even the plain
  step is compute-bound it costs $K+1$: every rejected draft now costs real arithmetic.

The speedup is notebook 03's formula with that cost, $\\mathbb{E}[\\text{tokens}] / (Kc +
t_{\\text{verify}}/t_{\\text{step}})$, and it falls below 1 once the ratio exceeds
$\\mathbb{E}[\\text{tokens}] - Kc$. Setting the two equal gives the break-even batch (here
$\\alpha$ is the expected per-token acceptance probability, as in notebook 03; $c$ is a draft
step over a plain target step at the same batch, held fixed):

$$B^* = \\frac{(\\mathbb{E}[\\text{tokens}] - Kc) \\times \\text{ridge tokens}}{K+1}.$$
"""),
    code("""
print(f"7B fp16 on the {gpu.name}, K = 4: the verification pass turns compute-bound beyond batch "
      f"{rl.ridge_tokens(gpu.bandwidth, gpu.peak_flops) / 5:.0f}")
for alpha in (0.6, 0.8, 0.9):
    edge = rl.breakeven_batch(alpha, 4, 0.05, 7e9, gpu.bandwidth, gpu.peak_flops)
    print(f"  alpha = {alpha}: speculation stops paying beyond batch {edge:.0f}")
"""),
    md("""
In fp16 an H100 has room: speculation pays up to batches in the hundreds (with datasheet
peaks). Now quantize the weights to 4 bits (as AWQ or GPTQ deployments do): a weight pass moves a
quarter of the bytes for the same arithmetic, so the ridge arrives four times sooner.
"""),
    code("""
int4 = dict(params=7e9, bandwidth=gpu.bandwidth, peak_flops=gpu.peak_flops, bytes_per_param=0.5)
edge = rl.breakeven_batch(0.6, 4, 0.05, **int4)
print(f"int4 weights: ridge at {rl.ridge_tokens(gpu.bandwidth, gpu.peak_flops, 0.5):.0f} tokens per weight pass")
print(f"alpha 0.6, K 4: speculation stops paying beyond batch {edge:.1f}")
for batch in (1, 16, 32, 64):
    print(f"  batch {batch:3d}: verification costs {rl.verify_cost_ratio(k=4, batch=batch, **int4):.2f} plain steps,"
          f" speedup {rl.batch_speedup(0.6, 4, 0.05, batch=batch, **int4):.3f}x")
"""),
    md("""
There it is: with 4-bit weights, no context to read and a draft accepted at $\\alpha = 0.6$,
speculative decoding on an H100 is slower than plain decoding at batch 32. The "no context" matters:
the next cells add a KV cache, and then the answer changes. The figure shows the speedup against batch size
for three acceptance probabilities, fp16 on the left and int4 on the right; each triangle is a
break-even batch.
"""),
    code("""
fig, axes = panels(2, height=4.2, sharey=True)
roofline_plots.plot_batch_speedup(alphas=(0.6, 0.8, 0.9), k=4, c=0.05, ax=axes[0])
fig = roofline_plots.plot_batch_speedup(alphas=(0.6, 0.8, 0.9), k=4, c=0.05, bytes_per_param=0.5, ax=axes[1])
"""),
    md("""
This is why serving engines recommend speculative decoding for latency at low to medium load:
vLLM's documentation describes it as reducing inter-token latency "under medium-to-low QPS
(queries per second), memory-bound workloads" (docs.vllm.ai, *Speculative Decoding*).

**Long contexts change it again.** Each sequence also reads its KV cache every step, bytes that
grow with the batch but bring no weight-sized arithmetic. A Llama-3-8B-shaped model (32 layers,
8 KV heads of dimension 128, from its published `config.json`) holds 128 KiB per position:
"""),
    code("""
kv = rl.kv_cache_bytes(layers=32, kv_heads=8, head_dim=128, context=4096)
print(f"KV cache of one 4,096-token sequence: {kv / 2**30:.2f} GiB, read every step")
for context in (256, 1024, 4096):
    kv = rl.kv_cache_bytes(32, 8, 128, context)
    print(f"context {context:5d}: int4 weights, alpha 0.6, K 4 stop paying beyond batch "
          f"{rl.breakeven_batch(0.6, 4, 0.05, **int4, kv_bytes=kv):.0f}")
"""),
    md("""
So the answer to "why is it slower at batch 32?" depends on the context length. With 1,024
positions of context, the same int4 model and draft keep paying at batch 32:
"""),
    code("""
kv = rl.kv_cache_bytes(32, 8, 128, 1024)
for batch in (1, 32, 256, 1024):
    print(f"batch {batch:4d}, 1,024-token context: speedup {rl.batch_speedup(0.6, 4, 0.05, batch=batch, **int4, kv_bytes=kv):.2f}x"
          f" (no context: {rl.batch_speedup(0.6, 4, 0.05, batch=batch, **int4):.2f}x)")
"""),
    md("""
With long contexts the cache reads keep every step memory-bound and speculation pays at any
batch in this model (an `inf`), which is the regime MagicDec (Chen et al., 2024, *MagicDec:
Breaking the latency-throughput tradeoff for long context generation with speculative decoding*)
targets. This holds only while the draft's cost stays at $c = 0.05$: MagicDec keeps it there by
drafting with a sparse, fixed-size KV cache. A draft that reads the full cache has its $c$ grow
with the context and the batch, and loses this regime. The model counts no attention FLOPs: reading the cache is attention's bottleneck, and its
arithmetic is about one FLOP per byte read for each query head sharing a KV head (4 here) and each
scored token: tens of FLOPs per byte at $K+1 = 5$, far left of the ridge.

The roofline is one cause of slowdowns at high batch, not the only one engines report: the draft's
own cost grows with the batch (a draft model decodes the whole batch too, and its $c$ rises), the
scheduler's per-round overhead (building and verifying token trees, crop and copy of caches) is
paid per step whatever the batch, and for mixture-of-experts targets a verification pass over
$K+1$ tokens routes to more experts than one token does, so it reads more weights and is not free
even at batch 1.

## 5. Your turn: the roofline explorer

Every readout is computed by `speclab.roofline`: the plain step's time, whether the verification
pass is memory- or compute-bound, its cost in plain steps, the speedup (with $c = 0.05$) and the
batch beyond which speculation stops paying. Left: the roofline with the plain step (circle) and
the verification pass (square). Middle and right: the pass's cost and the speedup against batch.
It starts at the int4 case above, batch 32. Things to try:

1. Set *weight bytes / parameter* to 2 (fp16): the break-even batch moves four times further out.
2. Drag the model size: the step time changes, the middle and right panels do not (without a KV
   cache, bytes and FLOPs both scale with the parameters, so the ridge in tokens does not move).
3. Raise $K$ to 8: the pass turns compute-bound sooner, and past the ridge a large $K$ loses more.
4. Set bandwidth 2.05 TB/s and peak 312 TFLOP/s (about an A100 SXM 80GB): a lower ridge, an earlier
   break.
"""),
    code("roofline_explorer(batch=32, alpha=0.6, bytes_per_param=0.5)", tags=(IGNORE_OUTPUT,)),
    md("""
**Try it yourself.** Exercise 5 at the end of this notebook asks you to derive section 4's break-even batch
from the roofline and notebook 03's speedup, and grades it against
`speclab.roofline.breakeven_batch` on eight cases (an H100 in fp16 and int4, an A100, an L4).
"""),
    md("""
## Takeaways

* Decoding one sequence is memory-bound: each step streams every weight once, and the arithmetic
  for $K+1$ tokens hides inside that time. That is why verification is cheap.
* The roofline's ridge point, peak / bandwidth, says how many tokens one weight pass can score
  for free: about 295 on an H100 in fp16, a quarter of that with int4 weights.
* Batching spends the same free arithmetic. Once batch $\\times (K+1)$ passes the ridge the
  verification pass grows with $K+1$, and beyond
  $B^* = (\\mathbb{E}[\\text{tokens}] - Kc) \\times \\text{ridge tokens} / (K+1)$ speculation is
  slower than plain decoding. Long KV caches push $B^*$ back out.
* On your own hardware, measure $t(n)/t(1)$ (`speclab measure` does) and feed the growth into
  `sl.speedup`; do not assume it is zero.

Next: notebook 07 trains a draft model of your own.
"""),
]

CELLS = with_exercise(CELLS, ex5)

if __name__ == "__main__":
    build(FILENAME, CELLS)
