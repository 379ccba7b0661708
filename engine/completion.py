"""`migsim completion bash|zsh`: a shell completion script written from the `migsim` parser.

Subcommands, `world` actions and every option come from the parser itself, so the script
never lists a flag the command does not take. After `run` and `calibrate` the script asks
Hydra (`migsim run -sc query=bash`, Hydra's own completion) for config groups, options and
keys, with the verb taken out of the line, because Hydra reads the words after the program
name as overrides.
"""

from __future__ import annotations

import argparse

SCRIPT = r"""# migsim shell completion (bash; zsh after `autoload -U bashcompinit && bashcompinit`)
_migsim_complete()
{
    local cur="${COMP_WORDS[COMP_CWORD]}" verb="${COMP_WORDS[1]}" opts="" line choices
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "__VERBS__ --help --version" -- "$cur"))
        return
    fi
    case "$verb" in
        run|calibrate)
            # Hydra completes the overrides; it reads every word after the program name
            line="migsim ${COMP_WORDS[*]:2}"
            choices=$(COMP_LINE="$line" COMP_POINT=${#line} \
                "${COMP_WORDS[0]}" run -sc query=bash 2>/dev/null)
            [ "$verb" = calibrate ] && choices="$choices --out --help"
            compopt -o nospace 2>/dev/null
            COMPREPLY=($(compgen -W "$choices" -- "$cur"))
            return
            ;;
__CASES__
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
COMP_WORDBREAKS=${COMP_WORDBREAKS//=}
complete -o default -F _migsim_complete migsim
"""

ZSH_PREFIX = "autoload -U +X bashcompinit && bashcompinit\n"


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """The option strings and fixed positional choices a parser takes."""
    words: list[str] = []
    for action in parser._actions:
        if action.option_strings:
            words += [s for s in action.option_strings if s.startswith("--")]
        elif action.choices and not isinstance(action, argparse._SubParsersAction):
            words += [str(c) for c in action.choices]
    return words


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def bash_script(parser: argparse.ArgumentParser, shell: str = "bash") -> str:
    """The completion script for `parser` (the `migsim` parser)."""
    verbs = _subparsers(parser)
    cases = []
    for verb, sub in verbs.items():
        if verb in ("run", "calibrate"):
            continue
        actions = _subparsers(sub)
        if actions:
            inner = "\n".join(
                f'                {name}) opts="{" ".join(_options(p))}" ;;'
                for name, p in actions.items()
            )
            cases.append(
                f"        {verb})\n"
                f'            if [ "$COMP_CWORD" -eq 2 ]; then\n'
                f'                opts="{" ".join(actions)} --help"\n'
                f'            else case "${{COMP_WORDS[2]}}" in\n{inner}\n'
                f"            esac; fi ;;"
            )
        else:
            cases.append(f'        {verb}) opts="{" ".join(_options(sub))}" ;;')
    script = SCRIPT.replace("__VERBS__", " ".join(verbs)).replace("__CASES__", "\n".join(cases))
    return (ZSH_PREFIX if shell == "zsh" else "") + script
