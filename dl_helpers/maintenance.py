"""Predictive maintenance: remaining useful life (RUL) of turbofan-like engines (notebook 13).

The real benchmark is NASA's C-MAPSS data (Saxena, Goebel, Simon & Eklund 2008, "Damage
propagation modeling for aircraft engine run-to-failure simulation", PHM'08). Nothing is
downloaded here: :func:`make_turbofan` generates data of the same *shape* in well under a
second, so every number of the notebook can be reproduced offline.

Pipeline (all NumPy, the models in scikit-learn / torch):

* :func:`make_turbofan` -- training units run to failure, test units cut off before failure;
* :func:`capped_rul` -- piecewise-linear RUL target;
* :func:`fit_condition_normalizer` / :func:`normalize_by_condition` -- z-scores per operating
  condition, statistics from training units only;
* :func:`split_units`, :func:`sliding_windows`, :func:`last_windows` -- unit-wise split, windows;
* :func:`rmse` / :func:`rmse_torch`, :func:`phm_score` / :func:`phm_score_torch` -- metrics;
* :func:`window_features` -- hand-made features for ridge regression and gradient boosting;
* :func:`make_model`, :func:`fit_model`, :func:`predict` -- one interface for all four models.

Shape letters: ``n`` rows (one per unit and cycle), ``S`` sensors, ``w`` window length,
``F`` features, ``N`` windows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._validation import as_array, check_choice, check_positive_float, check_positive_int
from .threads import one_thread

__all__ = ["SENSOR_NAMES", "SENSOR_ROLES", "MODEL_NAMES", "MODEL_LABELS", "RUL_CAP", "Fleet",
           "make_turbofan", "capped_rul", "ConditionNormalizer", "fit_condition_normalizer",
           "normalize_by_condition", "split_units", "sliding_windows", "last_windows",
           "rmse", "rmse_torch", "phm_score", "phm_score_torch", "window_features",
           "FEATURE_STATS", "make_model", "fit_model", "predict", "WindowData", "prepare_windows",
           "StudyResult", "run_study", "LSTMRegressor", "SensorChannels"]

#: The 21 sensor channels of C-MAPSS (Saxena et al. 2008, table 2), same order and names.
SENSOR_NAMES = ("T2", "T24", "T30", "T50", "P2", "P15", "P30", "Nf", "Nc", "epr", "Ps30",
                "phi", "NRf", "NRc", "BPR", "farB", "htBleed", "Nf_dmd", "PCNfR_dmd", "W31",
                "W32")
#: Role of each channel here: "flat" (constant per operating condition, no noise, as 6-7
#: channels of FD001), "noise" (noise only, no degradation trend), "trend" (degrades).
SENSOR_ROLES = ("flat", "trend", "trend", "trend", "flat", "noise", "trend", "trend", "noise",
                "flat", "trend", "trend", "trend", "trend", "trend", "flat", "trend", "flat",
                "flat", "trend", "trend")
#: Common cap of the RUL target in the C-MAPSS literature (e.g. Li, Ding & Sun 2018).
RUL_CAP = 125
MODEL_NAMES = ("ridge", "hgb", "cnn", "lstm")
MODEL_LABELS = {"ridge": "Ridge (Merkmale)", "hgb": "Gradient Boosting (Merkmale)",
                "cnn": "1-D-CNN (Fenster)", "lstm": "LSTM (Fenster)"}
#: Statistics per sensor and window in :func:`window_features` (in this order).
FEATURE_STATS = ("mean", "std", "last", "slope")


@dataclass(frozen=True)
class Fleet:
    """Rows of a fleet of engines, one row per unit and cycle (like one C-MAPSS text file).

    unit : (n,) int, cycle : (n,) int (1, 2, ... per unit), condition : (n,) int in
    ``0..n_conditions-1``, sensors : (n, S) float, rul : (n,) int true remaining cycles until
    failure (0 in the last cycle of a training unit, > 0 in the last cycle of a test unit),
    damage : (n,) float in [0, 1] hidden health state (1 = failure; not available in reality),
    lifetime : (n_units,) int cycles until failure of each unit (units 0, 1, ... in order).
    """
    unit: np.ndarray
    cycle: np.ndarray
    condition: np.ndarray
    sensors: np.ndarray
    rul: np.ndarray
    damage: np.ndarray
    lifetime: np.ndarray

    @property
    def units(self) -> np.ndarray:
        """The unit ids in order of appearance."""
        return np.unique(self.unit)

    def last_rows(self) -> np.ndarray:
        """Row index of the last cycle of every unit, shape (n_units,)."""
        return np.flatnonzero(np.r_[self.unit[1:] != self.unit[:-1], True])


def make_turbofan(n_train: int = 100, n_test: int = 100, *, n_conditions: int = 3,
                  noise: float = 1.0, min_life: int = 120, life_shape: float = 2.5,
                  life_scale: float = 35.0, onset: tuple[float, float] = (4.0, 7.0),
                  max_initial_wear: float = 0.1, test_rul: tuple[int, int] = (5, 150),
                  min_cycles: int = 31, seed: int = 0) -> tuple[Fleet, Fleet]:
    """Generate C-MAPSS-like run-to-failure data: ``(train, test)``.

    Model (one damage variable per unit instead of the five degrading components of C-MAPSS):

    * **lifetime** T = ``min_life`` + Gamma(``life_shape``, ``life_scale``) cycles, rounded
      (defaults: mean 207.5, std 55, never below 120 -- FD001 training units: 128-362, mean 206);
    * **damage** D(t) = w0 + (1 - w0) (exp(k t/T) - 1) / (exp(k) - 1), t = 0..T: starts at the
      initial wear w0 ~ U(0, ``max_initial_wear``) and reaches 1 (failure) at t = T. The
      steepness k ~ U(``onset``) makes the degradation start late: at half the life less than
      1/(1 + e^(k/2)) < 12 % of the rise has happened (the exponential model of Saxena et al.);
    * **operating condition** drawn uniformly per cycle from ``n_conditions`` (FD001/FD003: 1,
      FD002/FD004: 6); each condition shifts every sensor by an offset ~ U(0, 200) (noise
      sigmas are 0.5-2, so raw values mostly reflect the condition) and scales its noise by
      0.8-1.2;
    * **sensors** x_s = offset_s[c] + g_s D + q_s D^2 + ``noise`` sigma_s s_c eps, eps ~ N(0, 1),
      sigma_s ~ U(0.5, 2), s_c ~ U(0.8, 1.2): channels with role "trend" change by
      |g_s + q_s| ~ U(2, 8) from D = 0 to failure (sign and curvature |q_s| <= |g_s + q_s|/2 vary),
      "noise" channels have g = q = 0, "flat" channels additionally no noise (see SENSOR_ROLES);
    * **test units** are cut off before failure: true RUL at the cut ~ U{``test_rul``} (at most
      T - ``min_cycles``), so each test unit has at least ``min_cycles`` cycles.

    All randomness comes from ``seed``; train and test share the sensor and condition constants.
    Returns two :class:`Fleet` objects; test unit ids continue after the training ids.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test), ("n_conditions", n_conditions),
                        ("min_life", min_life), ("min_cycles", min_cycles)):
        check_positive_int(value, name)
    for name, value in (("life_shape", life_shape), ("life_scale", life_scale)):
        check_positive_float(value, name)
    check_positive_float(noise, "noise", allow_zero=True)
    lo, hi = (float(v) for v in onset)
    if not 0 < lo <= hi:
        raise ValueError(f"onset must be (low, high) with 0 < low <= high, got {onset}")
    if not 0 <= max_initial_wear < 1:
        raise ValueError(f"max_initial_wear must be in [0, 1), got {max_initial_wear}")
    r_lo, r_hi = (int(v) for v in test_rul)
    if not 1 <= r_lo <= r_hi:
        raise ValueError(f"test_rul must be (low, high) with 1 <= low <= high, got {test_rul}")
    if min_cycles + r_lo > min_life:
        raise ValueError(f"min_life ({min_life}) must be >= min_cycles + test_rul[0] "
                         f"({min_cycles + r_lo}) so that every test unit can be cut")
    rng = np.random.default_rng(seed)
    n_s = len(SENSOR_NAMES)
    roles = np.array(SENSOR_ROLES)
    sigma = rng.uniform(0.5, 2.0, n_s) * (roles != "flat")
    trend = roles == "trend"
    total = rng.uniform(2.0, 8.0, n_s) * rng.choice([-1.0, 1.0], n_s) * trend
    curvature = rng.uniform(-0.5, 0.5, n_s) * total            # q_s; g_s = total - q_s
    offsets = rng.uniform(0.0, 200.0, (n_conditions, n_s))
    noise_scale = rng.uniform(0.8, 1.2, (n_conditions, n_s))

    def fleet(n_units: int, first_id: int, cut: bool) -> Fleet:
        life = (min_life + np.rint(rng.gamma(life_shape, life_scale, n_units))).astype(int)
        k = rng.uniform(lo, hi, n_units)
        w0 = rng.uniform(0.0, max_initial_wear, n_units)
        end = life.copy()
        if cut:
            top = np.minimum(r_hi, life - min_cycles)
            end = life - rng.integers(r_lo, top + 1)
        unit = np.repeat(np.arange(first_id, first_id + n_units), end)
        idx = unit - first_id
        cycle = np.arange(unit.size) - np.repeat(np.cumsum(end) - end, end) + 1
        frac = (np.expm1(k[idx] * cycle / life[idx])) / np.expm1(k[idx])
        damage = w0[idx] + (1 - w0[idx]) * frac
        condition = rng.integers(0, n_conditions, unit.size)
        eps = rng.standard_normal((unit.size, n_s))
        sensors = (offsets[condition] + (total - curvature) * damage[:, None]
                   + curvature * damage[:, None] ** 2
                   + noise * sigma * noise_scale[condition] * eps)
        return Fleet(unit, cycle, condition, sensors, life[idx] - cycle, damage, life)

    return fleet(n_train, 0, False), fleet(n_test, n_train, True)


def capped_rul(rul, cap: float = RUL_CAP) -> np.ndarray:
    """Piecewise-linear RUL target min(RUL, cap): constant while healthy, then linear to 0.

    rul : (n,) true remaining cycles (>= 0). Returns float array of the same shape.
    """
    r = as_array(rul, "rul")
    check_positive_float(cap, "cap")
    if np.any(r < 0):
        raise ValueError("rul must be >= 0 (remaining cycles until failure)")
    return np.minimum(r, float(cap))


@dataclass(frozen=True)
class ConditionNormalizer:
    """Mean and std per operating condition and sensor, shapes (K, S); flat channels: std 1."""
    mean: np.ndarray
    std: np.ndarray


def fit_condition_normalizer(sensors, condition, n_conditions: int) -> ConditionNormalizer:
    """Fit z-score statistics per operating condition (use training rows only!).

    sensors : (n, S), condition : (n,) ints in ``0..n_conditions-1``. A channel without
    variation in a condition gets std 1, so it normalises to exactly 0.
    """
    x = as_array(sensors, "sensors", ndim=2)
    c = _conditions(condition, x.shape[0], n_conditions)
    counts = np.bincount(c, minlength=n_conditions)
    if np.any(counts < 2):
        raise ValueError(f"every condition needs >= 2 rows to fit, got counts {counts.tolist()}")
    mean = np.stack([x[c == k].mean(axis=0) for k in range(n_conditions)])
    std = np.stack([x[c == k].std(axis=0) for k in range(n_conditions)])
    std = np.where(std > 1e-8 * (1 + np.abs(mean)), std, 1.0)
    return ConditionNormalizer(mean, std)


def normalize_by_condition(sensors, condition, normalizer: ConditionNormalizer) -> np.ndarray:
    """(x - mean[c]) / std[c] row by row; sensors (n, S) -> (n, S)."""
    if not isinstance(normalizer, ConditionNormalizer):
        raise TypeError("normalizer must be a ConditionNormalizer (from fit_condition_normalizer)")
    x = as_array(sensors, "sensors", shape=(None, normalizer.mean.shape[1]))
    c = _conditions(condition, x.shape[0], normalizer.mean.shape[0])
    return (x - normalizer.mean[c]) / normalizer.std[c]


def _conditions(condition, n: int, n_conditions: int) -> np.ndarray:
    c = np.asarray(condition)
    if c.shape != (n,) or c.dtype.kind not in "iu":
        raise ValueError(f"condition must be an integer array of shape ({n},), got "
                         f"{c.dtype} {c.shape}")
    if c.size and (c.min() < 0 or c.max() >= n_conditions):
        raise ValueError(f"condition values must be in 0..{n_conditions - 1}")
    return c


def split_units(units, val_fraction: float = 0.2, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split unit ids (not rows!) into ``(train_units, val_units)``; no unit in both."""
    u = np.unique(np.asarray(units))
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    n_val = int(round(val_fraction * u.size))
    if not 1 <= n_val < u.size:
        raise ValueError(f"{u.size} units are too few for val_fraction={val_fraction}")
    perm = np.random.default_rng(seed).permutation(u)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def sliding_windows(x, unit, window: int = 30, *, units=None) -> tuple[np.ndarray, np.ndarray]:
    """All windows of ``window`` consecutive cycles inside one unit: ``(windows, end_rows)``.

    x : (n, S) rows sorted by unit and cycle, unit : (n,). ``units`` restricts to these ids.
    Returns windows (N, window, S) and the row index (N,) of each window's last cycle (its
    label is the RUL of that row). Units shorter than ``window`` give no window.
    """
    x = as_array(x, "x", ndim=2)
    window = check_positive_int(window, "window")
    unit = np.asarray(unit)
    if unit.shape != (x.shape[0],):
        raise ValueError(f"unit must have shape ({x.shape[0]},), got {unit.shape}")
    start = np.r_[True, unit[1:] != unit[:-1]]
    pos = np.arange(unit.size) - np.maximum.accumulate(np.where(start, np.arange(unit.size), 0))
    ok = pos >= window - 1
    if units is not None:
        ok &= np.isin(unit, units)
    end = np.flatnonzero(ok)
    return np.lib.stride_tricks.sliding_window_view(x, window, axis=0)[end - window + 1] \
        .transpose(0, 2, 1).copy(), end


def last_windows(x, unit, window: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """The window ending at the last cycle of every unit: ``(windows (U, w, S), end_rows (U,))``."""
    windows, end = sliding_windows(x, unit, window)
    unit = np.asarray(unit)
    last = np.r_[unit[end][1:] != unit[end][:-1], True]
    if np.unique(unit).size != np.count_nonzero(last):
        raise ValueError(f"some units are shorter than window={window}")
    return windows[last], end[last]


def _pair(y_pred, y_true):
    p, t = as_array(y_pred, "y_pred", ndim=1), as_array(y_true, "y_true", ndim=1)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(f"y_pred and y_true must have the same non-empty shape (U,), got "
                         f"{p.shape} and {t.shape}")
    return p, t


def rmse(y_pred, y_true) -> float:
    """Root mean squared error sqrt(mean((y_pred - y_true)^2)); inputs (U,)."""
    p, t = _pair(y_pred, y_true)
    return float(np.sqrt(np.mean((p - t) ** 2)))


def rmse_torch(y_pred, y_true):
    """Torch twin of :func:`rmse` (differentiable)."""
    return torch.sqrt(torch.mean((y_pred - y_true) ** 2))


def phm_score(y_pred, y_true) -> float:
    """Asymmetric PHM'08 score (Saxena et al. 2008): sum of exp(-d/13) - 1 for early
    predictions (d = y_pred - y_true < 0) and exp(d/10) - 1 for late ones (d >= 0).

    Lower is better; a late prediction costs more than an equally early one. Inputs (U,).
    """
    p, t = _pair(y_pred, y_true)
    d = p - t
    return float(np.sum(np.where(d < 0, np.expm1(-d / 13.0), np.expm1(d / 10.0))))


def phm_score_torch(y_pred, y_true):
    """Torch twin of :func:`phm_score` (differentiable)."""
    d = y_pred - y_true
    return torch.sum(torch.where(d < 0, torch.expm1(-d / 13.0), torch.expm1(d / 10.0)))


def window_features(windows) -> np.ndarray:
    """Hand-made features per window and sensor: mean, std, last value, least-squares slope.

    windows : (N, w, S) with w >= 2 -> (N, 4 S), sensor-major in the order of FEATURE_STATS.
    """
    x = as_array(windows, "windows", ndim=3)
    w = x.shape[1]
    if w < 2:
        raise ValueError(f"windows need >= 2 time steps for a slope, got w={w}")
    t = np.arange(w) - (w - 1) / 2
    slope = np.einsum("t,nts->ns", t, x) / np.sum(t * t)
    stats = np.stack([x.mean(axis=1), x.std(axis=1), x[:, -1], slope], axis=2)
    return stats.reshape(x.shape[0], -1)


# --- models --------------------------------------------------------------------------------
def make_model(name: str, n_sensors: int, window: int = 30, *, seed: int = 0):
    """A fresh, untrained model: "ridge", "hgb" (scikit-learn, on :func:`window_features`),
    "cnn" or "lstm" (torch, on windows (N, ``window``, ``n_sensors``)), sized to train in
    about a second: CNN = Conv1d(S, 16, 5) - ReLU - Conv1d(16, 16, 5, stride 2) - ReLU - Linear;
    LSTM = one layer with 16 units, linear read-out of the last step."""
    name = check_choice(name, "model", MODEL_NAMES)
    check_positive_int(n_sensors, "n_sensors")
    check_positive_int(window, "window", minimum=9)
    if name == "ridge":
        from sklearn.linear_model import Ridge
        return Ridge(alpha=1.0)
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingRegressor
        return HistGradientBoostingRegressor(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                             early_stopping=False, random_state=seed)
    with torch.random.fork_rng(devices=[]):   # seed the init without touching global state
        torch.manual_seed(seed)
        if name == "cnn":
            return nn.Sequential(SensorChannels(), nn.Conv1d(n_sensors, 16, 5), nn.ReLU(),
                                 nn.Conv1d(16, 16, 5, stride=2), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(16 * ((window - 4 - 5) // 2 + 1), 1), nn.Flatten(0))
        return LSTMRegressor(n_sensors, 16)


class SensorChannels(nn.Module):
    """(N, w, S) -> (N, S, w): the sensors are the channels of Conv1d."""

    def forward(self, x):
        return x.transpose(1, 2)


class LSTMRegressor(nn.Module):
    """LSTM over the window, linear read-out of the last hidden state."""

    def __init__(self, n_sensors: int, hidden: int):
        super().__init__()
        self.lstm = nn.LSTM(n_sensors, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1]).squeeze(-1)


def fit_model(model, windows, y, *, steps: int = 200, batch_size: int = 64, lr: float = 5e-3,
              val=None, eval_every: int = 50, seed: int = 0, progress: bool = False):
    """Train ``model`` (from :func:`make_model`) on windows (N, w, S) and targets y (N,).

    scikit-learn models are fitted on :func:`window_features`. Torch models: Adam on the MSE of
    y / RUL_CAP, ``steps`` minibatches drawn with a seeded ``torch.Generator`` (the same budget
    whatever N is); with ``val = (windows_val, y_val)`` the parameters with the lowest
    validation RMSE (checked every ``eval_every`` steps) are kept. Returns the model.
    """
    x = as_array(windows, "windows", ndim=3)
    y = as_array(y, "y", shape=(x.shape[0],))
    if not hasattr(model, "parameters"):
        with one_thread():  # a few thousand rows: OpenMP threads cost more than they save
            return model.fit(window_features(x), y)
    from tqdm.auto import tqdm
    gen = torch.Generator().manual_seed(seed)
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y / RUL_CAP, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    best, best_state = np.inf, None
    for step in tqdm(range(1, steps + 1), disable=not progress, leave=False, desc="Training"):
        idx = torch.randint(0, xt.shape[0], (batch_size,), generator=gen)
        loss = torch.mean((model(xt[idx]) - yt[idx]) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if val is not None and (step % eval_every == 0 or step == steps):
            err = rmse(predict(model, val[0]), val[1])
            if err < best:
                best = err
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)
    return model


def predict(model, windows) -> np.ndarray:
    """RUL predictions (N,) in cycles, clipped to [0, RUL_CAP], for windows (N, w, S)."""
    x = as_array(windows, "windows", ndim=3)
    if hasattr(model, "parameters"):
        model.eval()
        with torch.no_grad():
            out = model(torch.as_tensor(x, dtype=torch.float32)).double().numpy() * RUL_CAP
        model.train()
    else:
        with one_thread():
            out = model.predict(window_features(x))
    return np.clip(out, 0.0, RUL_CAP)


# --- the study: all models, several seeds, several training-set sizes -----------------------
class WindowData(NamedTuple):
    """Model inputs of one run. X_* are normalised windows (N, w, S), y_* capped RUL (N,).

    unit_train / unit_val (N,) give the unit of every window (for leak tests); X_test / y_test
    hold one window per test unit (its last cycle); ``test_x`` (n, S) are the normalised test rows;
    ``channels`` the names of the S kept sensors.
    """
    X_train: np.ndarray
    y_train: np.ndarray
    unit_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    unit_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_x: np.ndarray
    channels: tuple[str, ...]


def prepare_windows(train: Fleet, test: Fleet, train_units, val_units, *, n_conditions: int,
                    window: int = 30, max_windows: int | None = 4000, val_stride: int = 4,
                    seed: int = 0) -> WindowData:
    """Normalise per condition (fitted on ``train_units`` only), drop the channels that are
    constant on the training rows (the flat sensors), cut windows, cap the RUL.

    At most ``max_windows`` training windows are kept (a seeded random subset; windows of one
    unit overlap and are strongly correlated, so little is lost and every model gets the same);
    of the validation windows every ``val_stride``-th is kept.
    """
    train_units, val_units = np.asarray(train_units), np.asarray(val_units)
    if np.intersect1d(train_units, val_units).size:
        raise ValueError("train_units and val_units overlap: split by unit first (split_units)")
    fit_rows = np.isin(train.unit, train_units)
    norm = fit_condition_normalizer(train.sensors[fit_rows], train.condition[fit_rows],
                                    n_conditions)
    x = normalize_by_condition(train.sensors, train.condition, norm)
    live = x[fit_rows].std(axis=0) > 1e-6     # z-scores: std 1, or ~0 for never-changing channels
    x = x[:, live]
    X_tr, end_tr = sliding_windows(x, train.unit, window, units=train_units)
    if max_windows is not None and X_tr.shape[0] > max_windows:
        keep = np.sort(np.random.default_rng(seed).choice(X_tr.shape[0], max_windows,
                                                          replace=False))
        X_tr, end_tr = X_tr[keep], end_tr[keep]
    X_va, end_va = sliding_windows(x, train.unit, window, units=val_units)
    X_va, end_va = X_va[::val_stride], end_va[::val_stride]
    test_x = normalize_by_condition(test.sensors, test.condition, norm)[:, live]
    X_te, end_te = last_windows(test_x, test.unit, window)
    return WindowData(X_tr, capped_rul(train.rul[end_tr]), train.unit[end_tr],
                      X_va, capped_rul(train.rul[end_va]), train.unit[end_va],
                      X_te, capped_rul(test.rul[end_te]), test_x,
                      tuple(np.array(SENSOR_NAMES)[live]))


@dataclass(frozen=True)
class StudyResult:
    """Results of :func:`run_study`.

    rmse, score : (n_sizes, n_seeds, n_models) RMSE and PHM'08 score on the last cycle of the
    test units (capped true RUL). ``life[(size, model)]`` = predictions (n_display, T) over the
    cycles of the display test units of the first seed (NaN before the first full window);
    ``life_true`` (n_display, T) their capped true RUL (NaN after the cut), ``life_cycles`` (T,).
    """
    sizes: tuple[int, ...]
    seeds: tuple[int, ...]
    models: tuple[str, ...]
    rmse: np.ndarray
    score: np.ndarray
    life: dict
    life_true: np.ndarray
    life_cycles: np.ndarray
    display_units: np.ndarray


def run_study(sizes=(20, 80), seeds=(0, 1, 2), models=MODEL_NAMES, *, n_test: int = 100,
              n_conditions: int = 3, noise: float = 1.0, window: int = 30,
              max_windows: int | None = 4000, steps: int = 200, n_display: int = 4,
              progress: bool = True) -> StudyResult:
    """Train every model for every training-set size and seed; evaluate on the test units.

    Per seed one fleet is generated (``max(sizes)`` training units, ``n_test`` test units);
    a size k uses the first k units of a seeded permutation (nested subsets), 20 % of them
    for validation (best step of the torch models). Data, split, initialisation and
    minibatches all depend on the seed, so the spread over seeds covers all of them.
    """
    sizes = tuple(check_positive_int(s, "sizes", minimum=5) for s in sizes)
    seeds = tuple(int(s) for s in seeds)
    models = tuple(check_choice(m, "model", MODEL_NAMES) for m in models)
    if not sizes or not seeds or not models:
        raise ValueError("sizes, seeds and models must not be empty")
    from tqdm.auto import tqdm
    rmse_ = np.zeros((len(sizes), len(seeds), len(models)))
    score_ = np.zeros_like(rmse_)
    life: dict = {}
    bar = tqdm(total=rmse_.size, disable=not progress, desc="Modelle")
    for j, seed in enumerate(seeds):
        train, test = make_turbofan(max(sizes), n_test, n_conditions=n_conditions, noise=noise,
                                    seed=seed)
        order = np.random.default_rng(seed).permutation(train.units)
        if j == 0:
            lengths = np.bincount(test.unit - test.unit.min())
            display = test.units[np.argsort(-lengths, kind="stable")[:n_display]]
            life_cycles = np.arange(1, lengths.max() + 1)
            life_true = np.full((display.size, life_cycles.size), np.nan)
            for r, u in enumerate(display):
                rows = test.unit == u
                life_true[r, :rows.sum()] = capped_rul(test.rul[rows])
        for i, size in enumerate(sizes):
            tr_u, va_u = split_units(order[:size], 0.2, seed=seed)
            data = prepare_windows(train, test, tr_u, va_u, n_conditions=n_conditions,
                                   window=window, max_windows=max_windows, seed=seed)
            for k, name in enumerate(models):
                model = fit_model(make_model(name, data.X_train.shape[2], window, seed=seed),
                                  data.X_train, data.y_train, val=(data.X_val, data.y_val),
                                  steps=steps, seed=seed)
                pred = predict(model, data.X_test)
                rmse_[i, j, k] = rmse(pred, data.y_test)
                score_[i, j, k] = phm_score(pred, data.y_test)
                if j == 0:
                    life[(size, name)] = _life_predictions(model, data.test_x, test.unit,
                                                           display, window, life_cycles.size)
                bar.update()
    bar.close()
    return StudyResult(sizes, seeds, models, rmse_, score_, life, life_true, life_cycles,
                       display)


def _life_predictions(model, test_x, unit, display, window, length) -> np.ndarray:
    out = np.full((len(display), length), np.nan)
    rows = np.isin(unit, display)
    X, end = sliding_windows(test_x[rows], unit[rows], window)
    pred = predict(model, X)
    u = unit[rows][end]
    for r, d in enumerate(display):
        sel = u == d
        out[r, window - 1:window - 1 + sel.sum()] = pred[sel]
    return out
