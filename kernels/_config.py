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


def vector_draws_setting() -> bool | None:
    """MIGSIM_VECTOR_DRAWS: True for 1, False for 0, None when unset; any other value is a
    ValueError naming what is allowed (the CLI reports it as one line, exit 2, before any
    kernel is imported: `migsim.cli.check_environment`)."""
    import os

    chosen = os.environ.get("MIGSIM_VECTOR_DRAWS", "")
    if chosen in ("0", "1"):
        return chosen == "1"
    if chosen:
        raise ValueError(
            f"MIGSIM_VECTOR_DRAWS is {chosen!r}; allowed: 1 (draw in vector blocks), "
            "0 (one by one) or unset (as the CPU suits)"
        )
    return None


def _vector_draws() -> bool:
    """Whether the CPU numba compiles for has AVX-512DQ: 64-bit integer multiplies and
    conversions to doubles of a whole vector in one instruction each. The kernels that need
    a draw for nearly every row (`migsim.kernels.migration`, the labour supply) then make a
    block's draws in a loop LLVM vectorises; elsewhere (AVX2) that loop emulates both
    operations lane by lane and is slower than drawing one by one where the draw is used.
    The draws are the same numbers either way: only speed differs. NUMBA_CPU_NAME /
    NUMBA_CPU_FEATURES (compiling for another CPU) are read as numba reads them;
    MIGSIM_VECTOR_DRAWS=1 or 0 chooses (`vector_draws_setting`; a test runs the path this
    CPU does not take; the setting is part of the name of the numba cache directory,
    `migsim.kernel_source_key`, so the two paths' compiled kernels are kept apart)."""
    chosen = vector_draws_setting()
    if chosen is not None:
        return chosen
    from numba.core import config

    if config.CPU_NAME or config.CPU_FEATURES:
        return "+avx512dq" in (config.CPU_FEATURES or "")
    import llvmlite.binding as ll

    return bool(ll.get_host_cpu_features().get("avx512dq", False))


def __getattr__(name: str):
    """`VECTOR_DRAWS`, decided on first use (by the kernels' import), so that importing this
    module for its flags or `vector_draws_setting` loads neither numba nor LLVM."""
    if name == "VECTOR_DRAWS":
        value = _vector_draws()
        globals()["VECTOR_DRAWS"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
