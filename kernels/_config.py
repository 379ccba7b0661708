"""The one place that decides numba compilation flags for every migsim kernel.

`fastmath` is restricted to flags that cannot change results across thread counts and keep
NaN/inf checks (no `reassoc`, no `nnan`/`ninf`): outputs must be byte-identical whatever the
number of threads, and plug-in results are checked for NaN.
"""

FASTMATH = {"nsz", "arcp", "contract", "afn"}
JIT = dict(nogil=True, cache=True, fastmath=FASTMATH, error_model="numpy")
PARALLEL_JIT = dict(JIT, parallel=True)

# Fixed block size for reductions: partial results are produced per block and combined in
# block order, so a reduction does not depend on how many threads ran the blocks.
BLOCK = 1 << 16

# Plain IEEE arithmetic, for kernels that must reproduce a NumPy computation bit for bit
# (no `contract`: a multiply-add fused into one rounding would differ).
EXACT_JIT = dict(nogil=True, cache=True, error_model="numpy")
