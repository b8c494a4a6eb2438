"""Speed of notebook 13 (dl_helpers.maintenance): data generation and the model study.

* ``maintenance_generate_s``: ``make_turbofan(100, 100)`` (the size of C-MAPSS FD001); goal
  < 1 s (the issue's promise: generated locally in under a second).
* ``maintenance_fit_<model>_s``: one ``fit_model`` + ``predict`` on the notebook's data
  (80 units, 4000 training windows, 200 torch steps), torch and BLAS single-threaded.
* ``maintenance_notebook_study_cpu_s``: CPU time of the notebook's ``run_study`` (sizes 10 and
  80, seeds 0-2, all four models), measured as process CPU time so that other load on the machine
  inflates it less than wall time; goal 12 s (the notebook's total budget is 20 s).
"""
from __future__ import annotations

import time

import torch

from benchmarks._common import Result, median_time
from dl_helpers import maintenance as pm


def run() -> dict[str, Result]:
    torch.set_num_threads(1)
    out = {"maintenance_generate_s": Result(median_time(lambda: pm.make_turbofan(100, 100),
                                                        repeats=5), "s", 1.0)}
    train, test = pm.make_turbofan(80, 100, seed=0)
    tu, vu = pm.split_units(train.units, 0.2, seed=0)
    d = pm.prepare_windows(train, test, tu, vu, n_conditions=3)
    for name in pm.MODEL_NAMES:
        def fit(name=name):
            model = pm.make_model(name, d.X_train.shape[2])
            pm.predict(pm.fit_model(model, d.X_train, d.y_train, val=(d.X_val, d.y_val)),
                       d.X_test)
        out[f"maintenance_fit_{name}_s"] = Result(median_time(fit, repeats=3), "s", 1.5)
    start = time.process_time()
    pm.run_study(sizes=(10, 80), seeds=(0, 1, 2), progress=False)
    out["maintenance_notebook_study_cpu_s"] = Result(time.process_time() - start, "s", 12.0)
    return out
