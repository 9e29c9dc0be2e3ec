"""SmoothQuant-style rescaling of the FFN down-projections (indexer/e5/smoothing.py), on synthetic activations:
no model needed."""

import numpy as np

from indexer.e5.smoothing import MAX_RELATIVE_ERROR, quantised_product, rounded, smoothing_scales


def activations_with_outliers(rng: np.random.Generator, outlier: float) -> np.ndarray:
    x = rng.normal(0.0, 0.2, size=(256, 64)).astype(np.float32)
    x[:, 3] *= outlier  # a few channels far larger than the rest, as GELU outputs have
    x[:, 17] *= outlier / 2
    return x


def relative_error(x: np.ndarray, w: np.ndarray, s: np.ndarray) -> float:
    exact = x.astype(np.float64) @ w.astype(np.float64)
    return float(np.square(quantised_product(x / s, w * s[:, None]) - exact).mean() / np.square(exact).mean())


def test_rescaling_leaves_the_product_and_cuts_the_int8_error() -> None:
    rng = np.random.default_rng(0)
    x = activations_with_outliers(rng, 60.0)
    w = rng.normal(0.0, 0.05, size=(64, 32)).astype(np.float32)
    scales, error = smoothing_scales(x, w)
    assert np.allclose((x / scales) @ (w * scales[:, None]), x @ w, rtol=1e-4, atol=1e-4)  # exact in fp32
    plain = relative_error(x, w, np.ones(64, dtype=np.float32))
    assert error == relative_error(x, w, scales) and error < plain / 2  # measured: ~10x smaller
    assert scales[3] > np.median(scales)  # the outlier channel is divided down the most


def test_the_chosen_scales_never_err_more_than_none() -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(0.0, 0.05, size=(64, 32)).astype(np.float32)
    tokens = rng.normal(0.0, 0.2, size=(256, 64)).astype(np.float32)
    tokens[:2] *= 40.0  # outlier tokens, not channels: per-channel rescaling cannot spread them
    for x in (activations_with_outliers(rng, 60.0), tokens):
        scales, error = smoothing_scales(x, w)
        assert error == relative_error(x, w, scales) <= relative_error(x, w, np.ones(64, dtype=np.float32))
    _, channel_error = smoothing_scales(activations_with_outliers(rng, 60.0), w)
    _, token_error = smoothing_scales(tokens, w)
    assert channel_error < MAX_RELATIVE_ERROR < token_error  # what keeps a layer fp32 (smooth())


def test_scales_fall_on_a_fixed_grid() -> None:
    values = np.array([0.3, 1.0, 1.04, 7.9], dtype=np.float32)
    steps = np.log2(rounded(values)) * 16
    assert np.allclose(steps, np.round(steps), atol=1e-3) and rounded(np.array([1.0]))[0] == 1.0
