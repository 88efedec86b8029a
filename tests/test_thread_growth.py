"""thread_growth times one- and two-token passes at each thread count in the same blocks."""

import pytest

from real_fixtures import tiny_gpt2, torch

import speclab.real.kv_cache as kv
from speclab.real.measure.timing import thread_growth


def test_every_thread_count_and_row_count_is_timed_and_threads_are_restored():
    model, ticks, seen = tiny_gpt2(0), {"now": 0.0}, []
    original = kv.CachedModel.forward

    def forward(self, ids, *args, **kwargs):          # a clock that charges 1 s per token per thread
        seen.append(torch.get_num_threads())
        ticks["now"] += len(ids) * torch.get_num_threads()
        return original(self, ids, *args, **kwargs)

    before = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kv.CachedModel, "forward", forward)
        timed = thread_growth(model, [1, 2, 3], threads=(1, 2), rows=(1, 2), blocks=2, clock=lambda: ticks["now"])
    assert torch.get_num_threads() == before and set(seen) >= {1, 2}
    assert {key: s.median for key, s in timed.items()} == {(1, 1): 1.0, (1, 2): 2.0, (2, 1): 2.0, (2, 2): 4.0}
    assert all(s.n == 4 for s in timed.values())       # two blocks, each running every call twice


@pytest.mark.parametrize("argument, value", [("threads", (0,)), ("rows", (1, -2)), ("threads", ("two",))])
def test_bad_counts_name_their_argument(argument, value):
    with pytest.raises((ValueError, TypeError), match=argument):
        thread_growth(tiny_gpt2(0), [1, 2], **{"threads": (1,), argument: value})
