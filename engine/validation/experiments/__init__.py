"""The validation experiments shipped with migsim, one module per experiment.

Each module declares its experiment with `@experiment` (migsim.validation.registry): its
checks, the quantities they carry, its known misses with their measured reasons, and its
figures. The registry imports every module here whose name does not start with "_", so a new
experiment is one new module (plus its run config under configs/experiment/ if it needs one).
"""
