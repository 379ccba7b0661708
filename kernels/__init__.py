"""migsim kernels: numba-compiled functions over population arrays.

Nothing here reads files, configs or Hydra objects: kernels take NumPy arrays and scalars
and write into arrays they are given. Numba flags are decided once, in `migsim.kernels._config`.
"""
