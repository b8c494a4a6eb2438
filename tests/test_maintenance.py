"""dl_helpers.maintenance (notebook 13): the generator keeps the promises of its docstring,
preprocessing has no leaks, metrics agree with torch and with a plain-Python reference."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dl_helpers import maintenance as m

ROLES = np.array(m.SENSOR_ROLES)


@pytest.fixture(scope="module")
def big():
    """Many units, so that the statistics of the docstring can be tested tightly."""
    return m.make_turbofan(1000, 300, n_conditions=3, seed=7)


@pytest.fixture(scope="module")
def small():
    return m.make_turbofan(20, 10, seed=1)


# --- generator ---------------------------------------------------------------------------
def test_lifetimes_as_documented(big):
    train, _ = big
    life = train.lifetime
    assert life.min() >= 120
    assert abs(life.mean() - 207.5) < 4 * 55 / math.sqrt(life.size)
    assert abs(life.std() - 55.3) < 0.1 * 55.3        # sqrt(2.5) * 35 = 55.3


def test_fleet_bookkeeping(big):
    train, test = big
    for f in (train, test):
        last = f.last_rows()
        assert np.all(np.diff(f.cycle)[np.diff(f.unit) == 0] == 1)
        assert np.all(f.cycle[np.r_[0, last[:-1] + 1]] == 1)
        assert np.array_equal(f.rul, f.lifetime[f.unit - f.unit.min()] - f.cycle)
    assert np.all(train.rul[train.last_rows()] == 0)
    assert np.all(train.damage[train.last_rows()] == pytest.approx(1.0))
    assert np.intersect1d(train.units, test.units).size == 0


def test_test_units_cut_before_failure(big):
    _, test = big
    last = test.last_rows()
    assert test.rul[last].min() >= 5 and test.rul[last].max() <= 150
    assert np.all(test.cycle[last] >= 31)
    # roughly uniform true RUL: both halves of the range are populated
    assert 0.3 < np.mean(test.rul[last] < 77) < 0.7


def test_damage_starts_late(big):
    train, _ = big
    first = np.r_[0, train.last_rows()[:-1] + 1]
    w0 = train.damage[first]
    assert w0.min() >= 0 and w0.max() <= 0.1 + 0.01     # initial wear U(0, 0.1) plus one cycle
    assert w0.std() > 0.02                               # unit-to-unit variation
    half = (train.cycle / train.lifetime[train.unit]) <= 0.5
    rise = (train.damage - np.repeat(w0, np.diff(np.r_[first, train.unit.size]))) \
        / (1 - np.repeat(w0, np.diff(np.r_[first, train.unit.size])))
    assert rise[half].max() < 1 / (1 + math.exp(2.0))    # k >= 4: < 12 % at half life
    assert np.all(np.diff(train.damage)[np.diff(train.unit) == 0] > 0)


def test_sensor_roles(big):
    train, _ = big
    norm = m.fit_condition_normalizer(train.sensors, train.condition, 3)
    z = m.normalize_by_condition(train.sensors, train.condition, norm)
    for c in range(3):
        rows = train.condition == c
        assert np.all(np.ptp(train.sensors[rows][:, ROLES == "flat"], axis=0) == 0)
        assert np.all(train.sensors[rows][:, ROLES != "flat"].std(axis=0) > 0.3)
    corr = np.array([np.corrcoef(z[:, s], train.damage)[0, 1] if ROLES[s] != "flat" else 0.0
                     for s in range(len(ROLES))])
    assert np.all(np.abs(corr[ROLES == "noise"]) < 0.02)
    assert np.all(np.abs(corr[ROLES == "trend"]) > 0.2)
    assert np.allclose(z[:, ROLES == "flat"], 0, atol=1e-9)
    assert len(m.SENSOR_NAMES) == len(m.SENSOR_ROLES) == 21


def test_trend_size_in_noise_sigmas():
    clean, _ = m.make_turbofan(200, 1, noise=0.0, seed=11)
    noisy, _ = m.make_turbofan(200, 1, noise=1.0, seed=11)
    eps_part = noisy.sensors - clean.sensors              # noise sigma_s s_c eps
    sigma = np.stack([eps_part[clean.condition == c].std(0) for c in range(3)])
    first, last = np.r_[0, clean.last_rows()[:-1] + 1], clean.last_rows()
    same_c = clean.condition[first] == clean.condition[last]
    change = (clean.sensors[last] - clean.sensors[first])[same_c]
    trend = ROLES == "trend"
    per_sigma = np.abs(change[:, trend]) / sigma[:, trend].mean(0)   # w0 <= 0.1, s_c 0.8-1.2
    assert per_sigma.min() > 1.2 and per_sigma.max() < 8 / 0.75   # 2..8 sigma_s from D = 0
    assert np.all(change[:, ~trend] == 0)
    assert np.all((sigma[:, ROLES != "flat"] > 0.4) & (sigma[:, ROLES != "flat"] < 2.5))


def test_conditions_dominate_raw_sensors(big):
    train, _ = big
    means = np.stack([train.sensors[train.condition == c].mean(0) for c in range(3)])
    within = train.sensors[train.condition == 0].std(0)
    informative = ROLES != "flat"
    assert np.mean(means[:, informative].std(0) > 3 * within[informative]) > 0.8
    assert np.bincount(train.condition).min() > 0.3 * train.condition.size / 3


def test_noise_parameter_scales_noise():
    quiet, _ = m.make_turbofan(5, 1, noise=0.0, seed=3)
    loud, _ = m.make_turbofan(5, 1, noise=2.0, seed=3)
    base, _ = m.make_turbofan(5, 1, noise=1.0, seed=3)
    assert np.allclose(loud.sensors - quiet.sensors, 2 * (base.sensors - quiet.sensors))


def test_seeded():
    a, b = m.make_turbofan(5, 5, seed=4), m.make_turbofan(5, 5, seed=4)
    c = m.make_turbofan(5, 5, seed=5)
    assert np.array_equal(a[0].sensors, b[0].sensors) and np.array_equal(a[1].rul, b[1].rul)
    assert a[0].sensors.shape != c[0].sensors.shape or not np.allclose(a[0].sensors, c[0].sensors)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_train": 0}, "n_train"), ({"noise": -1.0}, "noise"), ({"onset": (5, 2)}, "onset"),
    ({"max_initial_wear": 1.0}, "max_initial_wear"), ({"test_rul": (0, 10)}, "test_rul"),
    ({"min_life": 30}, "min_life"), ({"n_conditions": 2.5}, "n_conditions")])
def test_generator_rejects_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        m.make_turbofan(**kwargs)


# --- preprocessing -----------------------------------------------------------------------
def test_capped_rul():
    assert np.array_equal(m.capped_rul([0, 50, 125, 126, 300]), [0, 50, 125, 125, 125])
    assert np.array_equal(m.capped_rul([10, 90], cap=50), [10, 50])
    with pytest.raises(ValueError, match="rul"):
        m.capped_rul([-1, 3])


def test_normalizer_uses_only_fit_rows(small):
    train, test = small
    norm = m.fit_condition_normalizer(train.sensors, train.condition, 3)
    z = m.normalize_by_condition(train.sensors, train.condition, norm)
    for c in range(3):
        rows = train.condition == c
        live = ROLES != "flat"
        assert np.allclose(z[rows][:, live].mean(0), 0, atol=1e-10)
        assert np.allclose(z[rows][:, live].std(0), 1, atol=1e-10)
    # changing the test rows cannot change anything fitted on training rows
    tu, vu = m.split_units(train.units, 0.25, seed=0)
    a = m.prepare_windows(train, test, tu, vu, n_conditions=3)
    shifted = m.Fleet(test.unit, test.cycle, test.condition, test.sensors + 100.0, test.rul,
                      test.damage, test.lifetime)
    b = m.prepare_windows(train, shifted, tu, vu, n_conditions=3)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.X_val, b.X_val)
    with pytest.raises(ValueError, match="condition"):
        m.normalize_by_condition(train.sensors, train.condition + 5, norm)
    with pytest.raises(TypeError, match="normalizer"):
        m.normalize_by_condition(train.sensors, train.condition, (0, 1))


def test_split_units_is_unit_wise():
    tr, va = m.split_units(np.arange(50), 0.2, seed=3)
    assert tr.size == 40 and va.size == 10
    assert np.intersect1d(tr, va).size == 0 and np.array_equal(np.union1d(tr, va), np.arange(50))
    with pytest.raises(ValueError, match="val_fraction"):
        m.split_units(np.arange(5), 1.5)


def test_no_window_of_a_held_out_unit_in_training(small):
    train, test = small
    tu, vu = m.split_units(train.units, 0.25, seed=0)
    d = m.prepare_windows(train, test, tu, vu, n_conditions=3, max_windows=500)
    assert set(np.unique(d.unit_train)) <= set(tu)
    assert np.intersect1d(d.unit_train, vu).size == 0
    assert np.intersect1d(d.unit_train, test.units).size == 0
    assert set(np.unique(d.unit_val)) == set(vu)
    assert d.X_train.shape[0] == 500 and d.X_test.shape == (10, 30, 15)
    assert d.channels == tuple(np.array(m.SENSOR_NAMES)[ROLES != "flat"])
    assert d.y_train.max() <= m.RUL_CAP and d.y_test.min() >= 5
    with pytest.raises(ValueError, match="overlap"):
        m.prepare_windows(train, test, tu, tu[:2], n_conditions=3)


def test_sliding_windows_content():
    x = np.arange(40.0).reshape(20, 2)
    unit = np.repeat([3, 5, 9], [8, 4, 8])
    W, end = m.sliding_windows(x, unit, 5)
    assert W.shape == (4 + 0 + 4, 5, 2)                  # unit 5 is shorter than the window
    for w, e in zip(W, end):
        assert np.array_equal(w, x[e - 4:e + 1])
        assert np.unique(unit[e - 4:e + 1]).size == 1   # never crosses a unit boundary
    W, end = m.sliding_windows(x, unit, 5, units=[9])
    assert np.all(unit[end] == 9)
    with pytest.raises(ValueError, match="shorter"):
        m.last_windows(x, unit, 5)
    W, end = m.last_windows(x, unit, 4)
    assert np.array_equal(end, [7, 11, 19])


# --- metrics -----------------------------------------------------------------------------
def _phm_reference(pred, true):
    total = 0.0
    for p, t in zip(pred, true):
        d = p - t
        total += math.exp(-d / 13) - 1 if d < 0 else math.exp(d / 10) - 1
    return total


def test_metrics_against_torch_and_python():
    rng = np.random.default_rng(0)
    true = rng.uniform(5, 125, 50)
    pred = true + rng.normal(0, 20, 50)
    assert m.phm_score(pred, true) == pytest.approx(_phm_reference(pred, true), rel=1e-12)
    pt, tt = torch.tensor(pred, dtype=torch.float64), torch.tensor(true, dtype=torch.float64)
    assert abs(m.phm_score_torch(pt, tt).item() - m.phm_score(pred, true)) <= 1e-10 * \
        m.phm_score(pred, true)
    assert abs(m.rmse_torch(pt, tt).item() - m.rmse(pred, true)) <= 1e-10
    assert m.rmse(pred, true) == pytest.approx(math.sqrt(np.mean((pred - true) ** 2)))
    pt.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda p: m.phm_score_torch(p, tt), (pt,))


def test_phm_score_is_asymmetric():
    assert m.phm_score([10.0], [0.0]) == pytest.approx(math.e - 1)
    assert m.phm_score([-13.0], [0.0]) == pytest.approx(math.e - 1)
    assert m.phm_score([20.0], [0.0]) > m.phm_score([-20.0], [0.0])
    assert m.phm_score([5.0, 7.0], [5.0, 7.0]) == 0.0
    with pytest.raises(ValueError, match="same"):
        m.phm_score([1.0, 2.0], [1.0])


def test_window_features():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(6, 10, 3))
    F = m.window_features(W).reshape(6, 3, len(m.FEATURE_STATS))
    assert np.allclose(F[..., 0], W.mean(1)) and np.allclose(F[..., 1], W.std(1))
    assert np.allclose(F[..., 2], W[:, -1])
    slopes = np.array([[np.polyfit(np.arange(10), W[i, :, s], 1)[0] for s in range(3)]
                       for i in range(6)])
    assert np.allclose(F[..., 3], slopes, atol=1e-12)
    with pytest.raises(ValueError, match="windows"):
        m.window_features(np.zeros((2, 1, 3)))


# --- models and study --------------------------------------------------------------------
@pytest.mark.parametrize("name", m.MODEL_NAMES)
def test_models_fit_and_predict(small, name):
    train, test = small
    tu, vu = m.split_units(train.units, 0.25, seed=0)
    d = m.prepare_windows(train, test, tu, vu, n_conditions=3, max_windows=300)
    state = torch.random.get_rng_state()
    preds = [m.predict(m.fit_model(m.make_model(name, d.X_train.shape[2], seed=2), d.X_train, d.y_train,
                                   steps=20, val=(d.X_val, d.y_val), eval_every=10, seed=2),
                       d.X_test) for _ in range(2)]
    assert torch.equal(state, torch.random.get_rng_state())   # no global seeding
    assert preds[0].shape == (10,) and np.all((preds[0] >= 0) & (preds[0] <= m.RUL_CAP))
    assert np.array_equal(preds[0], preds[1])                  # seeded: reproducible


def test_make_model_rejects_unknown_name():
    with pytest.raises(ValueError, match="choose one of"):
        m.make_model("transformer", 21)
    with pytest.raises(ValueError, match="window"):
        m.make_model("cnn", 21, window=5)


def test_run_study_shapes():
    r = m.run_study(sizes=(5, 8), seeds=(0, 1), models=("ridge", "cnn"), n_test=6, steps=5,
                    n_display=2, progress=False)
    assert r.rmse.shape == r.score.shape == (2, 2, 2)
    assert np.all(np.isfinite(r.rmse)) and np.all(r.score >= 0)
    assert set(r.life) == {(s, k) for s in (5, 8) for k in ("ridge", "cnn")}
    assert r.life[(5, "cnn")].shape == r.life_true.shape == (2, r.life_cycles.size)
    assert np.all(np.isnan(r.life[(5, "cnn")][:, :29]))
    with pytest.raises(ValueError, match="sizes"):
        m.run_study(sizes=(2,), progress=False)


def test_plots_draw():
    import matplotlib
    matplotlib.use("Agg")
    from dl_helpers import maintenance_plots as mp
    from dl_helpers.plotting import new_figure
    r = m.run_study(sizes=(5,), seeds=(0, 1), models=("ridge",), n_test=4, steps=2,
                    n_display=2, progress=False)
    fig, axes = new_figure(2, 2)
    mp.plot_phm_score(axes[0, 0])
    mp.plot_life(axes[0, 1], r, 1, 5)
    mp.plot_data_size(axes[1, 0], r)
    train, _ = m.make_turbofan(3, 1, seed=0)
    mp.plot_sensor_traces(np.array([axes[1, 1]]), train, ["T50"], train.units[:2])
    fig.canvas.draw()
    assert mp.render_life(r, 0, 5).axes
    with pytest.raises(ValueError, match="size"):
        mp.plot_life(axes[0, 1], r, 0, 99)
