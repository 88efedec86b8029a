"""Measuring a real draft/target pair on this machine, the way a noisy shared machine allows.

`pair` (measure_pair: paired, interleaved runs against plain decoding), `report` (the table it
returns), `timing` (target pass times t(n)), `draft_cost` (c of a drafter), `prediction` (what
the theory predicts from the measured parts, and the guards that flag impossible figures),
`temperature` (alpha against sampling temperature on a real pair).
"""

from .pair import measure_pair
from .report import PairMeasurement, Row
from .temperature import TemperatureMeasurement, measure_temperature_pair
from .timing import PassTimes, pass_times, prefill_seconds, target_pass_seconds

__all__ = ["PairMeasurement", "PassTimes", "Row", "TemperatureMeasurement", "measure_pair",
           "measure_temperature_pair", "pass_times", "prefill_seconds", "target_pass_seconds"]
