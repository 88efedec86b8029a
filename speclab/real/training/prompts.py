"""Built-in prompts for self-distillation, and open-ended prompts held out from it for measuring.

The draft learns from the target's own answers to these prompts, so no dataset is needed: varied
instructions (explain, describe, write, list, compare ...) over many everyday topics. The held-out
topics and the benchmark prompts never appear in training.
"""

from __future__ import annotations

import numpy as np

TEMPLATES = (
    "Explain {topic} in simple terms.",
    "Describe {topic} to someone who has never heard of it.",
    "Write a short email to a friend about {topic}.",
    "List five practical tips about {topic}.",
    "Write a short paragraph on the history of {topic}.",
    "What are the main advantages and disadvantages of {topic}?",
    "Give a beginner a step-by-step introduction to {topic}.",
    "Write a friendly blog post opening about {topic}.",
    # The second eight widen the corpus the shipped draft is trained on (held-out prompts use the first eight).
    "Summarize what everyone should know about {topic}.",
    "Write a short story in which {topic} plays a part.",
    "Answer a curious child who asks about {topic}.",
    "What are common mistakes people make with {topic}?",
    "Write three quiz questions about {topic}, with their answers.",
    "Compare {topic} today with fifty years ago.",
    "Give a short speech encouraging people to learn about {topic}.",
    "Write the back-cover description of a book about {topic}.",
)

TOPICS = (
    "photosynthesis", "the water cycle", "volcanoes", "earthquakes", "the moon's phases", "black holes",
    "electric cars", "solar panels", "wind turbines", "recycling", "composting", "vegetable gardening",
    "baking bread", "making coffee", "drinking tea", "healthy breakfast habits", "running a marathon",
    "learning to swim", "yoga", "sleep hygiene", "meditation", "time management", "public speaking",
    "job interviews", "writing a resume", "saving money", "budgeting", "investing in index funds",
    "credit cards", "buying a first home", "renting an apartment", "moving to a new city", "learning a language",
    "reading more books", "keeping a journal", "playing chess", "learning the piano", "painting with watercolors",
    "photography", "birdwatching", "hiking safety", "camping", "traveling on a budget", "packing a suitcase",
    "jet lag", "train travel", "the history of the bicycle", "the printing press", "the internet",
    "email etiquette", "password security", "backing up files", "spreadsheets", "machine learning",
    "climate change", "ocean tides", "coral reefs", "honey bees", "migrating birds", "dinosaurs",
    "the Roman Empire", "ancient Egypt", "the Olympic Games", "football", "basketball", "chess openings",
    "volunteering", "adopting a dog", "caring for a cat", "houseplants", "minimalism", "working from home",
    "team meetings", "giving feedback", "remote teams", "starting a small business", "customer service",
    "cooking pasta", "making soup", "food safety", "first aid", "washing hands", "drinking enough water",
)

#: Topics kept out of training; their prompts measure held-out acceptance while the draft trains.
HELD_OUT_TOPICS = (
    "glaciers", "the history of maps", "learning to knit", "electric guitars", "city parks",
    "bird nests", "making pizza at home", "planning a wedding",
)

#: Open-ended prompts for the benchmark and the notebook: nothing to copy, none seen in training.
OPEN_ENDED_PROMPTS = {
    "explain": "Explain how a refrigerator keeps food cold.",
    "describe": "Describe a quiet morning at a mountain lake.",
    "email": "Write a polite email to a neighbour asking them to keep the noise down after ten at night.",
    "tips": "List some tips for staying focused while studying for exams.",
}


def training_prompts(n: int | None = None, seed: int = 0) -> list:
    """n distinct (template, topic) instructions (default: all of them), in a seeded random order."""
    pairs = [(t, topic) for t in TEMPLATES for topic in TOPICS]
    order = np.random.default_rng(seed).permutation(len(pairs))[:n]
    return [pairs[i][0].format(topic=pairs[i][1]) for i in order]


def held_out_prompts() -> list:
    """One prompt per held-out topic, each with a different template."""
    return [TEMPLATES[i % len(TEMPLATES)].format(topic=topic) for i, topic in enumerate(HELD_OUT_TOPICS)]
