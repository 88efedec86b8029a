"""Training a draft from the target itself (self-distillation, EAGLE-style) and storing it.

`prompts` (the seeded prompt set and the held-out one), `corpus` (the target writes its own
training text), `fit` (train_draft: the feature head fitted to the target's features), `store`
(save, load and the offline draft that belongs to the offline model), `fingerprint` (which
target a draft belongs to), `weights` (a head rebuilt from stored weights, shapes checked) and
`shipped` (the draft the package ships).
"""

from .fit import TrainingRecord, train_draft
from .prompts import OPEN_ENDED_PROMPTS, held_out_prompts, training_prompts
from .store import load_draft, load_offline_draft, save_draft

__all__ = ["OPEN_ENDED_PROMPTS", "TrainingRecord", "held_out_prompts", "load_draft", "load_offline_draft",
           "save_draft", "train_draft", "training_prompts"]
