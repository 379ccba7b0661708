"""The `migsim` command.

    migsim [OVERRIDES...]              run the default job (same as `python -m engine.run`)
    migsim run [OVERRIDES...]          the same
    migsim calibrate [OVERRIDES...]    calibrate the decision model for a world and write
                                       engine/data/<world>/calibration.json
    migsim behaviours                  list installed behaviour plug-ins
"""

from __future__ import annotations

import sys

USAGE = __doc__


def _compose(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    from engine.run import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose("config", overrides=overrides)


def calibrate_command(overrides: list[str]) -> int:
    from engine.calibrate import calibrate, write_calibration
    from engine.config import validate
    from engine.world import load_world

    cfg = _compose(overrides)
    validate(cfg)
    world = load_world(cfg.world.name, cfg.world.path or None)
    cal = calibrate(world, cfg.behaviour, cfg.population)
    path = write_calibration(cal, world)
    p = cal.provenance
    print(f"migsim: calibrated {world.name}: {p['iterations']} iterations, max log gap "
          f"{p['max_log_gap']:.1e}, target flows {p['target_flow_total'] / 1e6:.2f} M/yr; "
          f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and "=" not in args[0] and not args[0].startswith("-") else "run"
    if args and command == args[0]:
        args = args[1:]
    if command in ("help", "--help", "-h"):
        print(USAGE)
        return
    if command == "run":
        from engine.run import main as run_main

        run_main(args)
        return
    from engine.errors import InputError
    from engine.run import guarded

    commands = {"calibrate": calibrate_command, "behaviours": lambda _: _list_behaviours()}
    if command not in commands:
        print(f"migsim: error: unknown command '{command}' (allowed: run, "
              + ", ".join(commands) + ")", file=sys.stderr)
        sys.exit(2)
    sys.exit(guarded(lambda: commands[command](args)))
    del InputError


def _list_behaviours() -> int:
    from engine.behaviour import available

    for name in available():
        print(name)
    return 0


if __name__ == "__main__":
    main()
