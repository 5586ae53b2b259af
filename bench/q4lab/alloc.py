"""Rate allocation across tensor kinds for ECSQ (Gaussian high-rate model, checked in sims):
rate_i = 2.047 + 0.5*log2(1/(12 D_i)) bits/weight, D_i = relative MSE = 1/(12 m_i^2).
Error models (from run_sens_ecsq.py, per unit D, additive):
  MiniLM 1-cos = sum a_i D_i ; tiny-ko-q rms dlogit^2 = sum b_i D_i."""
import json, numpy as np, itertools
S = {r["kind"]: r for r in json.load(open("sens_ecsq.json"))}
D0 = 1 / 192
kinds = ["emb", "q", "k", "v", "o", "ffn1", "ffn2"]
a = np.array([(1 - S[k]["minilm_mean"] + 1 - S[k]["minilm200_mean"]) / 2 / D0 for k in kinds])
b = np.array([(S[k]["tinyq_rms_dlogit"] ** 2 + S[k]["tinyq1000_rmsdl"] ** 2) / 2 / D0 for k in kinds])
n = np.array([24.576, 7.077888, 7.077888, 7.077888, 7.077888, 28.311552, 28.311552])  # M weights at BERT-base
FIXED = 65.1744 - 109.5e6 * 0 / 8 / 1e6  # placeholder
def solve(TA, TB):
    best = None
    for l1 in np.exp(np.linspace(np.log(1e-2), np.log(1e5), 300)):
        for l2 in np.concatenate([[0], np.exp(np.linspace(np.log(1e-2), np.log(1e5), 300))]):
            D = n / (2 * np.log(2)) / (l1 * a + l2 * b)
            D = np.minimum(D, 0.05)
            if (a * D).sum() <= TA and (b * D).sum() <= TB:
                rate = (n * (2.047 + 0.5 * np.log2(1 / (12 * D)))).sum()
                if best is None or rate < best[0]:
                    best = (rate, D)
    return best
if __name__ == "__main__":
    print("a (MiniLM)", dict(zip(kinds, a.round(3))))
    print("b (tinyq) ", dict(zip(kinds, b.round(3))))
    for TA, TB in [(0.0085, 1), (0.0085, 0.005), (0.0085, 0.008), (0.009, 0.006)]:
        rate, D = solve(TA, TB)
        m = 1 / np.sqrt(12 * D)
        print(f"TA {TA} TB {TB}: {rate/8:.2f} MB for the 109.5M quantized weights (+~3.57 fixed)  m: " + ", ".join(f"{k} {x:.1f}" for k, x in zip(kinds, m)))
