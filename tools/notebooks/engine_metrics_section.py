"""The engine-metrics notebook's section "From an engine's own counters to a configuration".

`engine_metrics_section()` returns its cells; a notebook builder places them (after the metric
dictionary) and rebuilds. The scrapes it reads are constructed in vLLM's documented format
(speclab.engines.example), and the section says so.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.nbtools import code, md  # noqa: E402


def engine_metrics_section() -> list:
    """The section's cells: read two scrapes, fit the profile, plot it, choose k, emit configurations."""
    return [
        md("""
## 3. From an engine's own counters to a configuration

The metric dictionary turned **one** printed number into $\\alpha$. A vLLM server counts more, and
its `/metrics` endpoint (Prometheus text) exposes the counts themselves (names checked against
vLLM's `vllm/v1/spec_decode/metrics.py`):

| counter | counts |
|---|---|
| `vllm:spec_decode_num_drafts_total` | rounds verified ("drafts") |
| `vllm:spec_decode_num_draft_tokens_total` | draft tokens proposed |
| `vllm:spec_decode_num_accepted_tokens_total` | draft tokens accepted |
| `vllm:spec_decode_num_accepted_tokens_per_pos_total{position="i"}` | rounds whose drafts up to position $i$ (from 0) were all accepted |

So vLLM's mean acceptance length is $1 + \\text{accepted}/\\text{drafts}$, **bonus token included**;
`per_pos[i] / drafts` is the *unconditional* chance that drafts $1..i+1$ all pass, and
`per_pos[i] / per_pos[i-1]` the **conditional** rate at depth $i+1$: the number notebook 03's
$\\alpha$ stands for, now measured at each depth. Counters only grow while the server runs, so the
numbers of one period are the difference of two scrapes.

The two scrapes below are **constructed** for this notebook (drawn from a known profile with
$K = 5$), in the exact format vLLM exports; only the speculative-decoding lines are kept.
"""),
        code("""
from speclab.engines import fit_profile, read_vllm_metrics
from speclab.engines.report import profile_report
from speclab.plots.engine_fit import plot_engine_fit
from speclab.engines.example import AFTER, BEFORE   # two constructed scrapes

for line in AFTER.splitlines():       # the scrape as the server sends it (long lines cut for the page)
    print(line if len(line) <= 100 else line[:97] + "...")
"""),
        md("""
`read_vllm_metrics` parses the text with `prometheus_client`'s own parser; `.since(...)` takes the
window between the scrapes (a counter that went down means the server restarted, and is refused).
`fit_profile` gives each depth's conditional rate a Wilson interval, fits the one $\\alpha$ of the
i.i.d. model by maximum likelihood, tests it against a free rate per depth (likelihood ratio), and
picks $K$ from the **measured** rates with `speclab.measured_k` at the draft cost $c$:
"""),
        code("""
window = read_vllm_metrics(AFTER, "after").since(read_vllm_metrics(BEFORE, "before"))
fit = fit_profile(window, cost=0.05)
print(profile_report(fit, "constructed scrapes"))
"""),
        code("fig = plot_engine_fit(fit)"),
        md("""
The first draft is accepted about 83% of the time, the fifth only about 38% of the times it is
reached: the rate falls with depth. These two scrapes were constructed for this lesson, so that
is their design, not a finding; on your own engine the same fit says whether and how fast the rate
falls. One $\\alpha$ (0.66) cannot describe these, and the test says so (its $p$-value is below
$10^{-300}$). The i.i.d. model underrates the early drafts and overrates the late ones, so
it would keep all 5 drafts; the measured rates say the fifth costs more than it brings, and
$K = 4$ is predicted to be faster (2.34x against 2.29x at $c = 0.05$).
On the command line: `speclab fit --vllm-metrics after.txt --before before.txt --cost 0.05 --emit vllm`.

The chosen $K$ as the engine's configuration (every name is quoted for the shell it lands in):
"""),
        code("""
from speclab.engines import engine_config

print(engine_config("vllm", fit.best_k, "eagle", draft="my-org/eagle-head", target="llama-3.1-8b"))
"""),
        md("""
Other engines report less. SGLang's `sglang:spec_accept_length` gauge and the
`avg_spec_accept_length` of its `/get_server_info` are mean acceptance lengths **with** the bonus
token; with `--speculative-eagle-topk` above 1 they measure a *tree*, which no chain's $\\alpha$
explains, so `speclab fit` refuses them. llama.cpp prints `n_drafted` and `n_accept`: accepted over
drafted, **without** a bonus. A bare number needs its convention spelled out
(`--bonus included|excluded`): the two differ by exactly one token per round.

### A K for every batch size

Notebook 06 showed why the gain fades at large batches: the verification pass stops being free
once the arithmetic dominates. `speclab.schedule` turns the roofline model into a $K$ for each range
of batch sizes and the batch above which to stop speculating, and vLLM takes it as
`num_speculative_tokens_per_batch_size` (`speclab plan --batch-sizes 1,8,32,128 --emit vllm`).
Here for the measured per-depth rates, an 8B model in int4 on an H100 (datasheet figures; every
assumption is printed):
"""),
        code("""
from speclab.engines import vllm_schedule_config
from speclab.schedule import batch_schedule

schedule = batch_schedule(fit.conditional, 0.05, [1, 8, 32, 128], params=8e9, bytes_per_param=0.5)
print(schedule.assumptions())
print(vllm_schedule_config(schedule, "eagle", draft="my-org/eagle-head", target="llama-3.1-8b"))
"""),
        md("""
At small batches the pass is free and the fit's $K = 4$ stands. $K = 4$'s pass crosses the
roofline's ridge near batch 15, so over the range 8-31 a shorter draft is best on average, and
past the printed batch no $K$ pays at all. The schedule reads no KV cache ("0 MiB" above): pass
`kv_bytes=` for your context length, since with long contexts every step stays memory-bound and
the cut-off may not exist (notebook 06). The roofline's datasheet peaks are upper bounds: a real kernel reaches the
compute roof sooner, so measure at the largest batch you serve before trusting the cut-off.
"""),
    ]
