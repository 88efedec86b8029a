"""The few-row kernel: (W @ x^T)^T for 2..max_rows() rows, the stock F.linear everywhere else."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from speclab.real.kv_cache import CachedModel  # noqa: E402
from speclab.real.row_kernel import MAX_ROWS, ColumnProducts, column_products, max_rows  # noqa: E402

linear = torch.nn.functional.linear


class CountingProducts(ColumnProducts):
    """ColumnProducts that counts the linear calls it computed column-wise."""

    def __init__(self):
        super().__init__()
        self.routed = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        before = torch.mm
        calls = []
        if func is torch.nn.functional.linear:
            torch.mm = lambda *a: calls.append(1) or before(*a)
        try:
            return super().__torch_function__(func, types, args, kwargs)
        finally:
            torch.mm = before
            self.routed += len(calls)


@pytest.mark.parametrize("rows", range(2, MAX_ROWS + 1))
def test_few_rows_match_the_stock_kernel_to_rounding(monkeypatch, rows):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    gen = torch.Generator().manual_seed(rows)
    x, w = torch.randn(1, rows, 96, generator=gen), torch.randn(200, 96, generator=gen)
    with ColumnProducts():
        got = linear(x, w)
    assert got.shape == (1, rows, 200)
    torch.testing.assert_close(got, linear(x, w), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rows", [1, MAX_ROWS + 1, 64])
def test_one_row_and_long_passes_keep_the_stock_kernel_bit_for_bit(rows):
    gen = torch.Generator().manual_seed(rows)
    x, w = torch.randn(rows, 96, generator=gen), torch.randn(200, 96, generator=gen)
    counting = CountingProducts()
    with counting:
        got = linear(x, w)
    assert counting.routed == 0
    assert torch.equal(got, linear(x, w))


def test_few_rows_are_routed_and_a_bias_is_left_to_the_stock_kernel():
    x, w, b = torch.randn(3, 16), torch.randn(8, 16), torch.randn(8)
    counting = CountingProducts()
    with counting:
        linear(x, w)
        with_bias = linear(x, w, b)
    assert counting.routed == 1
    assert torch.equal(with_bias, linear(x, w, b))


@pytest.mark.parametrize("threads,rows", [(1, 4), (2, 8), (16, MAX_ROWS)])
def test_the_row_limit_follows_the_thread_count(monkeypatch, threads, rows):
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
    assert max_rows() == rows and ColumnProducts().max_rows == rows


def test_only_a_few_rows_on_a_cpu_get_the_mode(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    assert isinstance(column_products("cpu", 2), ColumnProducts)
    assert isinstance(column_products("cpu", 8), ColumnProducts)
    assert not isinstance(column_products("cpu", 1), ColumnProducts)
    assert not isinstance(column_products("cpu", 9), ColumnProducts)
    assert not isinstance(column_products("cpu", 3, enabled=False), ColumnProducts)
    assert not isinstance(column_products(torch.device("cuda"), 3), ColumnProducts)


def tiny_llama(seed: int = 0):
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(vocab_size=96, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)
    return transformers.LlamaForCausalLM(config).eval()


@pytest.mark.parametrize("n", [2, 5, MAX_ROWS])
def test_a_cached_pass_gives_the_same_logits_and_features_either_way(n):
    model = tiny_llama()
    prompt, new = list(range(3, 20)), list(range(40, 40 + n))
    out = {}
    for enabled in (True, False):
        state = CachedModel(model, column_products=enabled)
        with torch.inference_mode():
            state.forward(prompt)
            out[enabled] = state.forward(new, features=True)
    torch.testing.assert_close(out[True][0], out[False][0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out[True][1], out[False][1], rtol=1e-5, atol=1e-5)


def test_a_cached_pass_over_a_few_tokens_routes_every_projection(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    model = tiny_llama()
    made = []

    def counting(device, rows, enabled=True):
        chosen = isinstance(column_products(device, rows, enabled), ColumnProducts)
        mode = CountingProducts()
        made.append((chosen, mode))
        return mode if chosen else column_products(device, rows, False)

    monkeypatch.setattr("speclab.real.kv_cache.column_products", counting)
    state = CachedModel(model)
    with torch.inference_mode():
        state.forward(list(range(3, 20)))       # prefill: 17 rows, stock kernel
        state.forward([5, 6, 7])                # a verification pass over 3 tokens
        state.forward([9])                      # one token: stock kernel
    assert [enabled for enabled, _ in made] == [False, True, False]
    # 2 layers x (q, k, v, o, gate, up, down) + the output head
    assert made[1][1].routed == 2 * 7 + 1
