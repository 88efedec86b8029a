"""The few-row kernel: (W @ x^T)^T for 2..max_rows() rows, the stock F.linear everywhere else."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from speclab.real import row_kernel  # noqa: E402
from speclab.real.kv_cache import CachedModel  # noqa: E402
from speclab.real.row_kernel import MAX_ROWS, ColumnProducts, bias_free_linears, column_products, max_rows  # noqa: E402


@pytest.fixture
def routed(monkeypatch):
    """Counts the products computed column-wise."""
    calls = []
    original = row_kernel.column_linear
    monkeypatch.setattr(row_kernel, "column_linear", lambda x, w: calls.append(1) or original(x, w))
    return calls


def layer(rows_in: int = 96, rows_out: int = 200, bias: bool = False, seed: int = 0):
    torch.manual_seed(seed)
    return torch.nn.Linear(rows_in, rows_out, bias=bias)


@pytest.mark.parametrize("rows", range(2, MAX_ROWS + 1))
def test_few_rows_match_the_stock_kernel_to_rounding(monkeypatch, routed, rows):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    fc = layer(seed=rows)
    x = torch.randn(1, rows, 96, generator=torch.Generator().manual_seed(rows))
    expected = fc(x)
    with ColumnProducts([fc]):
        got = fc(x)
    assert got.shape == (1, rows, 200) and routed == [1]
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rows", [1, MAX_ROWS + 1, 64])
def test_one_row_and_long_passes_keep_the_stock_kernel_bit_for_bit(routed, rows):
    fc = layer(seed=rows)
    x = torch.randn(rows, 96, generator=torch.Generator().manual_seed(rows))
    with ColumnProducts([fc]):
        got = fc(x)
    assert routed == []
    assert torch.equal(got, fc(x))


def test_layers_with_a_bias_are_left_to_the_stock_kernel(routed):
    model = torch.nn.Sequential(layer(16, 8), layer(8, 8, bias=True))
    assert bias_free_linears(model) == [model[0]]
    x = torch.randn(3, 16)
    expected = model(x)
    with ColumnProducts(bias_free_linears(model)):
        got = model(x)
    assert routed == [1]
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_the_layers_get_their_own_forward_back(routed):
    plain, patched = layer(seed=1), layer(seed=2)
    own = patched.forward                                # a forward already set on the instance (as hooks do)
    patched.forward = lambda x: own(x) * 2
    before = patched.forward
    with ColumnProducts([plain, patched]):
        assert "forward" in plain.__dict__
        inside = patched(torch.ones(1, 96))              # one row: the layer's own forward still runs
    assert "forward" not in plain.__dict__ and patched.forward is before
    torch.testing.assert_close(inside, own(torch.ones(1, 96)) * 2)
    with pytest.raises(RuntimeError), ColumnProducts([plain]):
        raise RuntimeError("interrupted")
    assert "forward" not in plain.__dict__ and routed == []


@pytest.mark.parametrize("threads,rows", [(1, 4), (2, 8), (16, MAX_ROWS)])
def test_the_row_limit_follows_the_thread_count(monkeypatch, threads, rows):
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
    assert max_rows() == rows and ColumnProducts([]).max_rows == rows


def test_only_a_few_rows_on_a_cpu_get_column_products(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    linears = [layer()]
    assert isinstance(column_products(linears, 2), ColumnProducts)
    assert isinstance(column_products(linears, 8), ColumnProducts)
    assert not isinstance(column_products(linears, 1), ColumnProducts)
    assert not isinstance(column_products(linears, 9), ColumnProducts)
    assert not isinstance(column_products(linears, 3, enabled=False), ColumnProducts)
    assert not isinstance(column_products([], 3), ColumnProducts)
    meta = torch.nn.Linear(4, 4, bias=False, device="meta")      # not on a CPU: the stock kernel
    assert not isinstance(column_products([meta], 3), ColumnProducts)


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


def test_a_cached_pass_over_a_few_tokens_routes_every_projection(monkeypatch, routed):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    model = tiny_llama()
    state = CachedModel(model)
    counts = []
    with torch.inference_mode():
        for tokens in (list(range(3, 20)), [5, 6, 7], [9]):    # prefill (17 rows), 3 tokens, 1 token
            state.forward(tokens)
            counts.append(len(routed))
    # only the 3-token pass: 2 layers x (q, k, v, o, gate, up, down) + the output head
    assert counts == [0, 2 * 7 + 1, 2 * 7 + 1]
    assert all("forward" not in m.__dict__ for m in model.modules())
