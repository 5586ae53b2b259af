from lab import *; from quant import *
B = Block(4, 32, signed=True, refit=2)
evaluate(Scheme("b4/32 signed+refit", B))
for beta in (0.5, 1.0):
    evaluate(Scheme(f"b4/32 signed+refit, colnorm{beta} (not emb)", ColNorm(B, beta), {"emb": B}))
evaluate(Scheme(f"b4/32 signed+refit, colnorm1 maxabs (not emb)", ColNorm(B, 1.0, "maxabs"), {"emb": B}))
