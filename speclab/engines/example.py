"""A constructed example for the course: two vLLM /metrics scrapes, in vLLM's exported format.

CONSTRUCTED, not measured: the counts were drawn (speclab.engines.simulate_counters,
seeded) from a known per-depth profile 0.82, 0.66, 0.55, 0.45, 0.38 with k = 5, and written
the way vLLM's prometheus_client counters export them; only the spec-decode lines are kept.
"""

#: The earlier scrape (3,000 rounds since start-up) and the later one (15,000): a window of 12,000.
BEFORE = """\
# HELP vllm:spec_decode_num_drafts_total Number of spec decoding drafts.
# TYPE vllm:spec_decode_num_drafts_total counter
vllm:spec_decode_num_drafts_total{engine="0",model_name="llama-3.1-8b"} 3000.0
# HELP vllm:spec_decode_num_draft_tokens_total Number of draft tokens.
# TYPE vllm:spec_decode_num_draft_tokens_total counter
vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="llama-3.1-8b"} 15000.0
# HELP vllm:spec_decode_num_accepted_tokens_total Number of accepted tokens.
# TYPE vllm:spec_decode_num_accepted_tokens_total counter
vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="llama-3.1-8b"} 5576.0
# HELP vllm:spec_decode_num_accepted_tokens_per_pos_total Accepted tokens per draft position.
# TYPE vllm:spec_decode_num_accepted_tokens_per_pos_total counter
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="0"} 2476.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="1"} 1620.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="2"} 903.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="3"} 428.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="4"} 149.0
"""

AFTER = """\
# HELP vllm:spec_decode_num_drafts_total Number of spec decoding drafts.
# TYPE vllm:spec_decode_num_drafts_total counter
vllm:spec_decode_num_drafts_total{engine="0",model_name="llama-3.1-8b"} 15000.0
# HELP vllm:spec_decode_num_draft_tokens_total Number of draft tokens.
# TYPE vllm:spec_decode_num_draft_tokens_total counter
vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="llama-3.1-8b"} 75000.0
# HELP vllm:spec_decode_num_accepted_tokens_total Number of accepted tokens.
# TYPE vllm:spec_decode_num_accepted_tokens_total counter
vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="llama-3.1-8b"} 27931.0
# HELP vllm:spec_decode_num_accepted_tokens_per_pos_total Accepted tokens per draft position.
# TYPE vllm:spec_decode_num_accepted_tokens_per_pos_total counter
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="0"} 12406.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="1"} 8164.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="2"} 4513.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="3"} 2069.0
vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama-3.1-8b",position="4"} 779.0
"""
