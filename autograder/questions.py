"""The assignment's questions: ids, points and functions, as in the spec (assignment-api.md).

This table is the one place the build, the notebook, the public checks and the hidden tests
read question ids and points from: change a question's points here and everything follows (the
hidden tests' points are weights, scaled to add up to these).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    id: str
    """question id, e.g. ``q3_cross_entropy``; every test name starts with it"""
    title: str
    """the topic, as the lecture names it"""
    points: float
    """points in the numpy track (torch-track points come from otter_config.json)"""
    functions: tuple[str, ...]
    """the functions a student writes for this question, in the order they are taught"""
    track: str = "numpy"
    """``numpy`` (graded) or ``torch`` (optional, extra credit)"""


QUESTIONS: tuple[Question, ...] = (
    Question("q1_chunking", "Raw text to training examples", 15,
             ("chunk_tokens", "next_token_pairs")),
    Question("q2_causal_mask", "The causal attention mask", 15,
             ("causal_mask", "causal_attention")),
    Question("q3_cross_entropy", "Cross-entropy loss and its gradient", 20,
             ("log_softmax", "cross_entropy", "cross_entropy_grad")),
    Question("q4_perplexity", "Perplexity", 10,
             ("perplexity", "corpus_perplexity")),
    Question("q5_optimization", "The training loop's update", 25,
             ("global_grad_norm", "clip_grad_norm", "init_adamw_state", "adamw_step",
              "warmup_cosine_lr")),
    Question("q6_finetuning", "From a foundation model to an instruct model", 10,
             ("sft_example", "pad_batch")),
    Question("q7_scaling", "Scaling laws: predict before you train", 5,
             ("training_flops", "chinchilla_optimal", "fit_power_law")),
    Question("t1_cross_entropy", "Cross-entropy in PyTorch", 0,
             ("cross_entropy_torch",), track="torch"),
    Question("t2_causal_attention", "Causal attention in PyTorch", 0,
             ("causal_attention_torch",), track="torch"),
    Question("t3_optimization", "Clipping and AdamW in PyTorch", 0,
             ("clip_grad_norm_torch_", "init_adamw_state_torch", "adamw_step_torch_"),
             track="torch"),
)

BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
NUMPY_QUESTIONS = tuple(q for q in QUESTIONS if q.track == "numpy")
TORCH_QUESTIONS = tuple(q for q in QUESTIONS if q.track == "torch")
ALL_FUNCTIONS: tuple[str, ...] = tuple(f for q in QUESTIONS for f in q.functions)
