"""Benchmark: all pairwise gaps and summary measures, with CIs, at national scale.

Builds a synthetic table of every US county (~3,140) x 7 groups (6 race groups and
the total) x 30 indicators x 15 periods (~9.9M rows), then times

* ``compute_gaps`` (the library, every row against its reference, with CIs),
* ``compute_summary_measures`` (the library, delta-method CIs),
* two bare-numpy floors on pre-sorted arrays with no bookkeeping: the issue's
  (Wilson CIs, difference and ratio CIs, four summary measures without CIs)
  and the same-work floor (every number the library returns: all gap columns
  and the eleven unordered-group measures with delta-method CIs; checked to
  agree with the library on a small table first),
* a naive ``groupby().apply()`` version on a slice, extrapolated per row,

and reports wall time, peak memory (tracemalloc, in a separate run so timing is
not slowed) against the input table's size, and the ratios.

Run: ``python benchmarks/bench_engine.py [--counties N]``. Timings are printed,
never asserted in tests.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import Indicator, register_indicator
from disparities.demo import RACE_GROUPS
from disparities.uncertainty import z_value

GROUPS = [*RACE_GROUPS, "Total"]  # White is the 6th of 7 in each block


def build_table(n_counties=3140, n_indicators=30, n_periods=15, seed=0):
    """A national-scale tidy table, built directly with the dtypes that
    :func:`disparities.schema.validate_observations` gives (categoricals)."""
    for i in range(n_indicators):
        register_indicator(
            Indicator(
                f"bench_{i:02d}",
                f"Bench {i}",
                "%",
                100,
                "proportion",
                i % 3 != 0,
                "children",
                "children",
                "to x",
                "bench",
                "synthetic benchmark",
            )
        )
    rng = np.random.default_rng(seed)
    geo = np.array(
        [f"{10 + c // 200:02d}{c % 200 * 2 + 1:03d}" for c in range(n_counties)]
    )
    inds = [f"bench_{i:02d}" for i in range(n_indicators)]
    periods = [str(2008 + p) for p in range(n_periods)]
    n_g = len(GROUPS)
    n = n_counties * n_indicators * n_periods * n_g
    gi = np.repeat(np.arange(n_counties), n_indicators * n_periods * n_g)
    ii = np.tile(np.repeat(np.arange(n_indicators), n_periods * n_g), n_counties)
    pi = np.tile(np.repeat(np.arange(n_periods), n_g), n_counties * n_indicators)
    ki = np.tile(np.arange(n_g), n_counties * n_indicators * n_periods)
    den = np.round(np.exp(rng.normal(6, 1.2, n))).clip(20, None)
    p = np.clip(rng.beta(2, 8, n) * (1 + 0.3 * (ki == 0)), 0.001, 0.99)
    num = rng.binomial(den.astype(np.int64), p).astype(float)
    is_total = ki == n_g - 1
    # totals equal the sum of their groups
    sums = np.add.reduceat(np.where(is_total, 0, num), np.arange(0, n, n_g))
    dsum = np.add.reduceat(np.where(is_total, 0, den), np.arange(0, n, n_g))
    num[is_total], den[is_total] = sums, dsum
    value = num / den * 100
    from disparities.uncertainty import wilson_interval

    lo, hi = wilson_interval(num, den)
    cat = pd.Categorical.from_codes
    table = pd.DataFrame(
        {
            s.GEO_ID: cat(gi, categories=geo),
            s.GEO_NAME: cat(gi, categories=[f"County {g}" for g in geo]),
            s.GEO_LEVEL: cat(
                np.full(n, s.GEO_LEVELS.index("county"), np.int8),
                categories=s.GEO_LEVELS,
            ),
            s.STATE: cat(np.zeros(n, np.int8), categories=["XX"]),
            s.INDICATOR: cat(ii, categories=inds),
            s.PERIOD: cat(pi, categories=periods),
            s.PERIOD_START: (2008 + pi).astype(np.int64),
            s.PERIOD_END: (2008 + pi).astype(np.int64),
            s.DIMENSION: cat(np.where(is_total, 2, 0), categories=s.DIMENSIONS),
            s.GROUP: pd.Categorical.from_codes(
                np.array([s.GROUP_ORDER.index(g) for g in GROUPS])[ki],
                dtype=pd.CategoricalDtype(s.GROUP_ORDER, ordered=True),
            ),
            s.NUMERATOR: num,
            s.DENOMINATOR: den,
            s.VALUE: value,
            s.CI_LOWER: lo * 100,
            s.CI_UPPER: hi * 100,
            s.MOE: np.nan,
            s.SUPPRESSED: num < 5,
            s.UNRELIABLE: num < 20,
            s.NOTE: cat(np.zeros(n, np.int8), categories=[""]),
            s.SOURCE: cat(np.zeros(n, np.int8), categories=["synthetic benchmark"]),
            s.SOURCE_LABEL: cat(np.zeros(n, np.int8), categories=[""]),
        }
    )
    sup = table[s.SUPPRESSED].to_numpy()
    for c in (s.NUMERATOR, s.VALUE, s.CI_LOWER, s.CI_UPPER):
        table.loc[sup, c] = np.nan
    return table


def floor_numpy(table):
    """The same core formulas on pre-sorted arrays, no bookkeeping (the floor)."""
    n_g = len(GROUPS)
    x = table[s.NUMERATOR].to_numpy()
    n = table[s.DENOMINATOR].to_numpy()
    t0 = time.perf_counter()
    z = 1.959964
    p = x / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    lo, hi = c - h, c + h
    se = np.sqrt(p * (1 - p) / n) * 100
    sel = np.sqrt((1 - p) / x)
    v = p * 100
    ref = np.repeat(v[n_g - 2 :: n_g], n_g)  # White is the 6th of 7 in each block
    rse = np.repeat(se[n_g - 2 :: n_g], n_g)
    rsel = np.repeat(sel[n_g - 2 :: n_g], n_g)
    diff = v - ref
    sd = np.sqrt(se**2 + rse**2)
    dlo, dhi = diff - z * sd, diff + z * sd
    ratio = v / ref
    slr = np.sqrt(sel**2 + rsel**2)
    rlo, rhi = ratio * np.exp(-z * slr), ratio * np.exp(z * slr)
    # four summary measures over the 6 groups of each block
    g = v.reshape(-1, n_g)[:, : n_g - 1]
    w = n.reshape(-1, n_g)[:, : n_g - 1]
    w = w / np.nansum(w, axis=1, keepdims=True)
    mu = np.nansum(w * g, axis=1, keepdims=True)
    rng = np.nanmax(g, axis=1) - np.nanmin(g, axis=1)
    bgv = np.nansum(w * (g - mu) ** 2, axis=1)
    r = g / mu
    theil = np.nansum(w * r * np.log(r), axis=1)
    mld = -np.nansum(w * np.log(r), axis=1)
    elapsed = time.perf_counter() - t0
    del lo, hi, dlo, dhi, rlo, rhi, rng, bgv, theil, mld
    return elapsed


def floor_same_work(table, *, return_measures=False):
    """The floor for *everything the library computes*, on pre-sorted arrays.

    The same formulas as :func:`disparities.gaps.compute_gaps` and
    :func:`disparities.summary_measures.compute_summary_measures` (every gap
    number: difference, ratio, adverse ratio, excess cases, each with its CI,
    significance and direction; the eleven measures for unordered groups, each
    with its delta-method CI), written as whole-array numpy on the table
    reshaped to one row per comparison. No key matching, no sorting, no
    suppression or two-group special cases, no labels, no result table.
    """
    n_g = len(GROUPS)
    x = table[s.NUMERATOR].to_numpy().reshape(-1, n_g)
    n = table[s.DENOMINATOR].to_numpy().reshape(-1, n_g)
    codes = table[s.INDICATOR].cat.codes.to_numpy()[::n_g]
    worse = (codes % 3 != 0)[:, None]  # as registered in build_table
    z = z_value(0.05)
    t0 = time.perf_counter()
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        v = 100 * p
        se = 100 * np.sqrt(p * (1 - p) / n)
        se_log = np.sqrt((1 - p) / x)
        # gaps: the five other race groups against White (column 5)
        g, r = v[:, :5], v[:, 5:6]
        diff = g - r
        sd = np.sqrt(se[:, :5] ** 2 + se[:, 5:6] ** 2)
        d_lo, d_hi = diff - z * sd, diff + z * sd
        ratio = g / r
        s_lr = np.sqrt(se_log[:, :5] ** 2 + se_log[:, 5:6] ** 2)
        r_lo, r_hi = ratio * np.exp(-z * s_lr), ratio * np.exp(z * s_lr)
        c, c0 = 100 - g, 100 - r
        comp = c / c0
        s_c = np.sqrt((se[:, :5] / c) ** 2 + (se[:, 5:6] / c0) ** 2)
        adv = np.where(worse, ratio, comp)
        adv_lo = np.where(worse, r_lo, comp * np.exp(-z * s_c))
        adv_hi = np.where(worse, r_hi, comp * np.exp(z * s_c))
        significant = (d_lo > 0) | (d_hi < 0)
        direction = np.where(significant, np.where(worse == (diff > 0), 0, 1), 2)
        sign = np.where(worse, 1.0, -1.0)
        excess = sign * diff / 100 * n[:, :5]
        ex_a, ex_b = sign * d_lo / 100 * n[:, :5], sign * d_hi / 100 * n[:, :5]
        ex_lo, ex_hi = np.minimum(ex_a, ex_b), np.maximum(ex_a, ex_b)
        # summary measures over the six race groups, with delta-method CIs
        ok = ~np.isnan(v[:, :6])
        y = np.where(ok, v[:, :6], 0.0)
        e2 = np.where(ok, se[:, :6], 0.0) ** 2
        k = ok.sum(axis=1, keepdims=True)
        w = np.where(ok, n[:, :6], 0.0)
        w /= w.sum(axis=1, keepdims=True)
        u = ok / k
        total, total_e2 = v[:, 6:7], se[:, 6:7] ** 2
        i_max = np.argmax(np.where(ok, y, -np.inf), axis=1)[:, None]
        i_min = np.argmin(np.where(ok, y, np.inf), axis=1)[:, None]
        col = np.arange(6)
        at_max, at_min = col == i_max, col == i_min
        y_max = np.take_along_axis(y, i_max, axis=1)
        y_min = np.take_along_axis(y, i_min, axis=1)
        est, grad, t_grad = {}, {}, {}
        est["range_difference"] = y_max - y_min
        grad["range_difference"] = at_max * 1.0 - at_min
        est["range_ratio"] = y_max / y_min
        grad["range_ratio"] = est["range_ratio"] * (at_max / y_max - at_min / y_min)
        best = np.where(worse, y_min, y_max)
        at_best = np.where(worse, at_min, at_max)
        dev = np.where(ok, y - best, 0.0)
        scale = 100 / ((k - 1) * best)
        idisp = scale * np.abs(dev).sum(axis=1, keepdims=True)
        est["index_of_disparity"] = idisp
        g_best = -idisp / best - scale * np.sign(dev).sum(axis=1, keepdims=True)
        grad["index_of_disparity"] = np.where(at_best, g_best, scale * np.sign(dev))
        log_y = np.log(np.where(ok, y, 1.0))
        for name, wt in (("", w), ("_unweighted", u)):
            mu = (wt * y).sum(axis=1, keepdims=True)
            centred = np.where(ok, y - mu, 0.0)
            est["between_group_variance" + name] = (wt * centred**2).sum(axis=1)
            grad["between_group_variance" + name] = 2 * wt * centred
            rr = y / mu
            log_r = np.where(ok, log_y - np.log(mu), 0.0)
            theil = (wt * rr * log_r).sum(axis=1, keepdims=True)
            est["theil_index" + name] = theil
            grad["theil_index" + name] = wt / mu * (log_r - theil)
            est["mean_log_deviation" + name] = -(wt * log_r).sum(axis=1)
            grad["mean_log_deviation" + name] = np.where(ok, wt / mu - wt / y, 0.0)
        sign1 = sign[:, 0:1]
        est["population_attributable_risk"] = sign1 * (total - best)
        grad["population_attributable_risk"] = -sign1 * at_best
        t_grad["population_attributable_risk"] = sign1
        est["population_attributable_fraction"] = 100 * sign1 * (total - best) / total
        grad["population_attributable_fraction"] = -100 * sign1 / total * at_best
        t_grad["population_attributable_fraction"] = 100 * sign1 * best / total**2
        ci = {}
        for m, value in est.items():
            var = (grad[m] ** 2 * e2).sum(axis=1)
            if m in t_grad:
                var = var + (t_grad[m] ** 2 * total_e2).ravel()
            value = np.ravel(value)
            half = z * np.sqrt(var)
            if m == "range_ratio":
                f = np.exp(half / value)
                ci[m] = (value / f, value * f)
            elif m == "population_attributable_fraction":  # at most 100%
                cap = worse.ravel() & (y_min.ravel() >= 0)
                ci[m] = (
                    value - half,
                    np.where(cap, np.minimum(value + half, 100), value + half),
                )
            elif m == "population_attributable_risk":
                ci[m] = (value - half, value + half)
            else:  # the range difference and dispersion measures are never below 0
                ci[m] = (np.maximum(value - half, 0), value + half)
    elapsed = time.perf_counter() - t0
    del adv, adv_lo, adv_hi, direction, excess, ex_lo, ex_hi, r_lo, r_hi
    if return_measures:
        return {m: (np.ravel(est[m]), *ci[m]) for m in est}
    return elapsed


def check_floor(n_counties=40):
    """The same-work floor and the library agree, where all six groups show."""
    from disparities.summary_measures import compute_summary_measures

    table = build_table(n_counties)
    floor = floor_same_work(table, return_measures=True)
    lib = compute_summary_measures(table)
    n_g = len(GROUPS)
    complete = ~table[s.SUPPRESSED].to_numpy().reshape(-1, n_g)[:, :6].any(axis=1)
    # the floor's "best" may be an unreliable group and it has no noise rule:
    # compare where every group is reliable and the groups differ beyond noise
    complete &= ~table[s.UNRELIABLE].to_numpy().reshape(-1, n_g)[:, :6].any(axis=1)
    key = table[[s.GEO_ID, s.INDICATOR, s.PERIOD]].iloc[::n_g].astype(str)
    worst = 0.0
    for m, (est, lo, hi) in floor.items():
        got = lib[lib["measure"] == m].astype(
            {s.GEO_ID: str, s.INDICATOR: str, s.PERIOD: str}
        )
        got = got.set_index([s.GEO_ID, s.INDICATOR, s.PERIOD])
        got = got.reindex(pd.MultiIndex.from_frame(key))
        noise = got["note"].astype(str).str.contains("sampling noise").to_numpy()
        for mine, theirs in ((est, "estimate"), (lo, s.CI_LOWER), (hi, s.CI_UPPER)):
            a, b = mine[complete & ~noise], got[theirs].to_numpy()[complete & ~noise]
            worst = max(
                worst, float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-9)))
            )
    return worst


def naive(table, n_blocks=2000):
    """groupby().apply(): per comparison, Wilson CIs, gaps vs White, and measures."""
    n_g = len(GROUPS)
    sub = table.iloc[: n_blocks * n_g].copy()
    sub["block"] = np.repeat(np.arange(n_blocks), n_g)

    def per_block(b):
        from scipy import stats

        z = stats.norm.ppf(0.975)
        out = {}
        white = b[b[s.GROUP] == "White"].iloc[0]
        for _, r in b.iterrows():
            x, n = r[s.NUMERATOR], r[s.DENOMINATOR]
            p = x / n
            d = 1 + z * z / n
            half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
            se = np.sqrt(p * (1 - p) / n) * 100
            wse = (
                np.sqrt(
                    white[s.VALUE]
                    / 100
                    * (1 - white[s.VALUE] / 100)
                    / white[s.DENOMINATOR]
                )
                * 100
            )
            diff = r[s.VALUE] - white[s.VALUE]
            out[str(r[s.GROUP])] = (
                half,
                diff - z * np.hypot(se, wse),
                r[s.VALUE] / white[s.VALUE],
            )
        g = b[b[s.GROUP] != "Total"]
        w = g[s.DENOMINATOR] / g[s.DENOMINATOR].sum()
        mu = (w * g[s.VALUE]).sum()
        out["bgv"] = (w * (g[s.VALUE] - mu) ** 2).sum()
        out["theil"] = (w * g[s.VALUE] / mu * np.log(g[s.VALUE] / mu)).sum()
        return pd.Series(out)

    t0 = time.perf_counter()
    sub.groupby("block").apply(per_block, include_groups=False)
    return (time.perf_counter() - t0) / len(sub)


def timed(fn, *args, repeat=3, **kw):
    """Return the result, the first call's time and the best of ``repeat`` calls."""
    times, out = [], None
    for _ in range(repeat):
        del out
        gc.collect()
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        times.append(time.perf_counter() - t0)
    return out, times[0], min(times)


def peak_of(fn, *args, **kw):
    gc.collect()
    tracemalloc.start()
    out = fn(*args, **kw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak


def main(argv=None):
    from disparities.gaps import compute_gaps
    from disparities.summary_measures import compute_summary_measures

    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=3140)
    ap.add_argument("--naive-blocks", type=int, default=1500)
    ap.add_argument("--no-memory", action="store_true")
    a = ap.parse_args(argv)
    worst = check_floor()
    print(
        "same-work floor vs library on a small table: largest relative difference "
        f"{worst:.1e}"
    )
    if not worst < 1e-6:
        raise SystemExit("the same-work floor and the library disagree: fix the floor")
    t0 = time.perf_counter()
    table = build_table(a.counties)
    size = table.memory_usage(deep=True).sum()
    print(
        f"table: {len(table):,} rows, {size / 1e9:.2f} GB in memory, built in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    gaps, first_gaps, t_gaps = timed(compute_gaps, table)
    print(
        f"compute_gaps: best {t_gaps:.2f} s (first call {first_gaps:.2f} s) -> "
        f"{len(gaps):,} gap rows"
    )
    del gaps
    meas, first_meas, t_meas = timed(compute_summary_measures, table)
    print(
        f"compute_summary_measures (delta CIs): best {t_meas:.2f} s (first call "
        f"{first_meas:.2f} s) -> {len(meas):,} rows"
    )
    del meas
    total = t_gaps + t_meas
    print(f"first calls together: {first_gaps + first_meas:.2f} s")
    floor = min(floor_numpy(table) for _ in range(3))
    same_work = min(floor_same_work(table) for _ in range(3))
    per_row = naive(table, a.naive_blocks)
    naive_total = per_row * len(table)
    print(f"library total (best of 3 each): {total:.2f} s")
    print(
        f"bare-numpy floor, issue's formulas (Wilson, difference and ratio CIs, four "
        f"measures without CIs; best of 3): {floor:.2f} s -> library / floor = "
        f"{total / floor:.2f}x"
    )
    print(
        f"bare-numpy floor, same work as the library (best of 3): {same_work:.2f} s "
        f"-> library / floor = {total / same_work:.2f}x"
    )
    print(
        f"naive groupby().apply(): {per_row * 1e6:.1f} us/row -> {naive_total:,.0f} s "
        f"extrapolated -> speed-up {naive_total / total:,.0f}x"
    )
    if not a.no_memory:
        pg = peak_of(compute_gaps, table)
        pm = peak_of(compute_summary_measures, table)
        print(
            f"peak memory: gaps {pg / 1e9:.2f} GB ({pg / size:.2f}x input), "
            f"summary measures {pm / 1e9:.2f} GB ({pm / size:.2f}x input)"
        )


if __name__ == "__main__":
    main()
