#!/usr/bin/env python3
"""Independent check of Flute's RDP accountant (src/Flute.Core/Privacy).

Flute evaluates the Poisson-subsampled Gaussian's RDP with the closed-form binomial/erfc series of
Mironov, Talwar and Zhang 2019. This script uses a different formulation: it integrates the privacy-loss
moment A_alpha = E_{x ~ N(0, s^2)} [ ((1 - q) + q * exp((2x - 1) / (2 s^2)))^alpha ] numerically
(trapezoid rule in log space on a fine grid), for every order, integer or fractional. Standard library
only (no numpy/scipy needed).

Usage: python3 docs/privacy/check_accountant.py            # the docs/privacy.md table
       python3 docs/privacy/check_accountant.py q z steps delta
"""
import math
import sys

ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def log_moment(q, sigma, alpha, step=0.002):
    """log A_alpha by the trapezoid rule over x, in log space (log-sum-exp)."""
    lo = -40.0 * sigma
    hi = alpha + 40.0 * sigma  # the integrand's peak sits near x = alpha for large orders
    n = int((hi - lo) / step) + 1
    s2 = sigma * sigma
    log_norm = -0.5 * math.log(2 * math.pi * s2)
    log_1mq = math.log1p(-q)
    log_q = math.log(q)
    logs = []
    for k in range(n):
        x = lo + k * step
        # log((1-q) + q e^{(2x-1)/(2 s^2)}) computed stably
        a, b = log_1mq, log_q + (2 * x - 1) / (2 * s2)
        m = max(a, b)
        log_ratio = m + math.log(math.exp(a - m) + math.exp(b - m))
        w = 0.5 if k in (0, n - 1) else 1.0
        logs.append(log_norm - x * x / (2 * s2) + alpha * log_ratio + math.log(w))
    m = max(logs)
    return m + math.log(math.fsum(math.exp(v - m) for v in logs)) + math.log(step)


def epsilon(q, sigma, steps, delta, classic=False, _cache={}):
    best, best_order = math.inf, None
    for alpha in ORDERS:
        key = (q, sigma, alpha)
        if key not in _cache:
            _cache[key] = log_moment(q, sigma, alpha) / (alpha - 1)
        rdp = steps * _cache[key]
        if classic:
            eps = rdp + math.log(1 / delta) / (alpha - 1)
        else:
            eps = rdp + math.log((alpha - 1) / alpha) - (math.log(delta) + math.log(alpha)) / (alpha - 1)
        if eps < best:
            best, best_order = eps, alpha
    return max(0.0, best), best_order


def main():
    if len(sys.argv) == 5:
        q, z, steps, delta = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        rows = [(q, z, steps, delta)]
    else:
        rows = [
            (0.01, 1.1, 10_000, 1e-5),
            (256 / 60000, 1.12, 60 * 60000 // 256, 1e-5),
            (256 / 60000, 0.6, 30 * 60000 // 256, 1e-5),
            (256 / 60000, 1.2, 10 * 60000 // 256, 1e-5),
            (0.01, 4.0, 10_000, 1e-5),
        ]
    print("q\tz\tsteps\tdelta\teps_improved(order)\teps_classic(order)")
    for q, z, steps, delta in rows:
        e1, o1 = epsilon(q, z, steps, delta)
        e2, o2 = epsilon(q, z, steps, delta, classic=True)
        print(f"{q:.6g}\t{z}\t{steps}\t{delta:g}\t{e1:.4f} ({o1})\t{e2:.4f} ({o2})")


if __name__ == "__main__":
    main()
