"""Engines: the chosen k as their configuration, and what they report about speculation, read and fitted.

config      engine_config / vllm_schedule_config: a k (or a batch schedule) as vLLM, SGLang or HF settings,
            every name quoted for the language it lands in, names an engine would read as options refused
counters    ChainCounters: drafts, draft tokens, accepted per position; the window of two scrapes; counts
            no engine keeps (accepted > drafted, != the per-position sum, ...) refused
prometheus  Prometheus text exposition through prometheus_client's parser; a series twice refused
vllm        read_vllm_metrics (a /metrics scrape; engines checked one by one, then summed, and said so),
            vllm_exposition (counters as vLLM exports them)
sglang      read_sglang_metrics (the accept-length gauge), read_sglang_server_info (the JSON)
llama_cpp   read_llama_cpp_log (the speculative example's or the server's drafted/accepted counts)
profile     fit_profile: conditional rates with Wilson intervals, the i.i.d. alpha and its test, best k
report      profile_report: a fit as the text `speclab fit` prints
simulated   simulate_counters: counters from a known per-depth profile
example     BEFORE and AFTER: two constructed vLLM scrapes for the course
"""

from .config import (ENGINES, METHODS, check_engine_method, engine_config, vllm_schedule_config,
                     vllm_speculative_config)
from .counters import ChainCounters
from .llama_cpp import DraftedAccepted, read_llama_cpp_log
from .profile import ProfileFit, fit_profile
from .report import profile_report
from .sglang import AcceptLength, read_sglang_metrics, read_sglang_server_info
from .simulated import simulate_counters
from .vllm import read_vllm_metrics, vllm_exposition

__all__ = [
    "ENGINES", "METHODS", "check_engine_method", "engine_config", "vllm_schedule_config", "vllm_speculative_config",
    "AcceptLength", "ChainCounters", "DraftedAccepted", "ProfileFit", "fit_profile", "profile_report",
    "read_llama_cpp_log", "read_sglang_metrics", "read_sglang_server_info", "read_vllm_metrics",
    "simulate_counters", "vllm_exposition",
]
