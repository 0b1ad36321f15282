"""The benchmarks' shared inputs and the dense, reference-style kNN metrics they are compared with.

``make_pair`` draws two paired matrices (views of a shared low-dimensional latent plus noise);
``dense_metric`` computes a kNN metric the way the papers' reference code does (full n x n
similarity, full argsort, dense n x n neighbour masks, Python-loop LCS and edit distance), on
the device of its inputs.
"""

import numpy as np

#: Memory of one dense baseline per pair of rows: float32 similarity, int64 argsort, two float32
#: masks.
DENSE_BYTES_PER_PAIR = 24


def make_pair(n, d, seed=0, latent=16, chunk=65536):
    """Two float32 views (n, d) of a shared latent, generated in chunks (no large temporaries)."""
    rng = np.random.default_rng(seed)
    W_a = rng.normal(size=(latent, d)).astype(np.float32)
    W_b = rng.normal(size=(latent, d)).astype(np.float32)
    A = np.empty((n, d), dtype=np.float32)
    B = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        Z = rng.normal(size=(stop - start, latent)).astype(np.float32)
        A[start:stop] = Z @ W_a + 2.0 * rng.normal(size=(stop - start, d)).astype(np.float32)
        B[start:stop] = Z @ W_b + 2.0 * rng.normal(size=(stop - start, d)).astype(np.float32)
    return A, B


def dense_knn(X, topk):
    """kNN by a full n x n similarity and a full argsort of every row."""
    import torch

    S = X @ X.T
    S.fill_diagonal_(-float("inf"))
    return torch.argsort(S, dim=1, descending=True, stable=True)[:, :topk]


def dense_mask(knn, n):
    import torch

    mask = torch.zeros((n, n), dtype=torch.float32, device=knn.device)
    mask.scatter_(1, knn, 1.0)
    return mask


def python_lcs(a, b):
    k = len(a)
    L = [[0] * (k + 1) for _ in range(k + 1)]
    for i in range(1, k + 1):
        for j in range(1, k + 1):
            L[i][j] = L[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(L[i - 1][j], L[i][j - 1])
    return L[k][k]


def python_levenshtein(a, b):
    k = len(a)
    D = [list(range(k + 1))] + [[i] + [0] * k for i in range(1, k + 1)]
    for i in range(1, k + 1):
        for j in range(1, k + 1):
            substitute = D[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            D[i][j] = min(D[i - 1][j] + 1, D[i][j - 1] + 1, substitute)
    return D[k][k]


def dense_metric(name, A, B, topk):
    import torch

    knn_a, knn_b = dense_knn(A, topk), dense_knn(B, topk)
    n = A.shape[0]
    if name == "mutual_knn":
        return float((dense_mask(knn_a, n) * dense_mask(knn_b, n)).sum(dim=1).mean() / topk)
    if name == "cycle_knn":
        back = knn_a[knn_b]
        own = torch.arange(n, device=A.device)[:, None, None]
        return float((back == own).float().reshape(n, -1).max(dim=1).values.mean())
    rows_a, rows_b = knn_a.tolist(), knn_b.tolist()
    if name == "lcs_knn":
        return float(np.mean([python_lcs(a, b) for a, b in zip(rows_a, rows_b)]))
    return 1.0 - float(np.mean([python_levenshtein(a, b) for a, b in zip(rows_a, rows_b)])) / topk
