"""hostctl completion: Tab completion for bash, zsh and fish.

The scripts printed here speak Click 8's completion protocol. On Tab the shell runs
``hostctl`` with ``_HOSTCTL_COMPLETE=<shell>_complete`` and the words typed so far in
``COMP_WORDS`` (and the index of the word being completed, or for fish that word, in
``COMP_CWORD``); ``cli.HostctlGroup`` hands that request to :func:`answer`, which lets
Click's machinery (vendored by Typer) walk the real command tree and answers one candidate
per line as ``type,value`` (``plain``, ``file`` or ``dir``), with help where the shell
shows it. Only the noun being completed is imported (``cli.load_command``); the nouns
themselves come from ``cli.COMMANDS``. An ordinary command never imports this module.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer
from typer._click.shell_completion import CompletionItem, ShellComplete, split_arg_string

from hostctl import output
from hostctl.errors import UsageError
from hostctl.i18n import _

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from typer import _click as click

PROG = "hostctl"
COMPLETE_VAR = "_HOSTCTL_COMPLETE"

# In all three: no candidate at all (a FILE argument, say) falls back to file names.

# bash ≥ 4.4 (mapfile, compopt, -o nosort). COMP_WORDS holds the words as typed, quotes and
# all; hostctl splits them again as a shell would.
BASH = r"""_hostctl_completion() {
    local line kind value
    local -a lines
    COMPREPLY=()
    mapfile -t lines < <(COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \
        _HOSTCTL_COMPLETE=bash_complete "$1")
    for line in "${lines[@]}"; do
        kind=${line%%,*}
        value=${line#*,}
        case $kind in
            plain) COMPREPLY+=("$value") ;;
            file) COMPREPLY=(); compopt -o default; return 0 ;;
            dir) COMPREPLY=(); compopt -o dirnames; return 0 ;;
        esac
    done
    return 0
}
complete -o nosort -o default -F _hostctl_completion hostctl
"""

# Works both sourced (eval "$(hostctl completion zsh)" after compinit) and as an autoloaded
# _hostctl file on $fpath, where zsh runs this file as the completion function itself.
# hostctl answers three lines per candidate: type, value, help ("_" for none).
ZSH = r"""#compdef hostctl

_hostctl_completion() {
    local kind value help found=0
    local -a response described plain
    response=("${(@f)$(COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT - 1)) \
        _HOSTCTL_COMPLETE=zsh_complete hostctl)}")
    for kind value help in "${response[@]}"; do
        [[ -n $kind ]] && found=1
        case $kind in
            plain)
                if [[ $help == _ ]]; then plain+=("$value"); else described+=("$value:$help"); fi
                ;;
            file) _path_files -f ;;
            dir) _path_files -/ ;;
        esac
    done
    (( ${#described} )) && _describe -V hostctl described
    (( ${#plain} )) && compadd -V hostctl -a plain
    (( found )) || _files
    return 0
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _hostctl_completion "$@"
else
    compdef _hostctl_completion hostctl
fi
"""

# fish filters the candidates by the current token itself; a tab separates value and help.
FISH = r"""function __hostctl_complete
    set -l response (env COMP_WORDS=(commandline -cp) COMP_CWORD=(commandline -ct) \
        _HOSTCTL_COMPLETE=fish_complete hostctl)
    if test (count $response) -eq 0
        __fish_complete_path (commandline -ct)
    end
    for line in $response
        set -l parts (string split --max 1 , -- $line)
        switch $parts[1]
            case plain
                printf '%s\n' $parts[2]
            case file
                __fish_complete_path $parts[2]
            case dir
                __fish_complete_directories $parts[2]
        end
    end
end
complete --command hostctl --no-files --arguments '(__hostctl_complete)'
"""


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


class _Shell(ShellComplete):
    script: ClassVar[str]

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        """Click's answer, except for the value of an option with a known set of values
        (``completion_values``): those values instead of nothing (and so file names)."""
        from typer._click.shell_completion import _resolve_context, _resolve_incomplete
        from typer.core import TyperArgument, TyperOption

        ctx = _resolve_context(self.cli, self.ctx_args, self.prog_name, args)
        obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
        if isinstance(obj, TyperOption | TyperArgument) and obj.name:
            from hostctl.commands import completion_values

            path = ctx.command_path.split(" ", 1)[1] if " " in ctx.command_path else ""
            if isinstance(obj, TyperOption) or completion_values.takes_client(path, obj.name):
                values = completion_values.option_values(
                    path, obj.name, dict(ctx.params), incomplete
                )
                if values is not None:
                    return [CompletionItem(value, help=help_text) for value, help_text in values]
        return obj.shell_complete(ctx, incomplete)

    def source_vars(self) -> dict[str, Any]:
        return {}

    def source(self) -> str:
        return self.script

    def get_completion_args(self) -> tuple[list[str], str]:
        """bash and zsh: every word typed, and the index of the one being completed."""
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        index = int(os.environ.get("COMP_CWORD") or len(words))
        incomplete = words[index] if index < len(words) else ""
        return words[1:index], incomplete


class Bash(_Shell):
    name = "bash"
    script = BASH

    def format_completion(self, item: CompletionItem) -> str:
        return f"{item.type},{item.value}"


class Zsh(_Shell):
    name = "zsh"
    script = ZSH

    def format_completion(self, item: CompletionItem) -> str:
        help_text = _one_line(item.help) or "_"
        # _describe splits value from help at the first colon not escaped.
        value = item.value if help_text == "_" else item.value.replace(":", r"\:")
        return f"{item.type}\n{value}\n{help_text}"


class Fish(_Shell):
    name = "fish"
    script = FISH

    def get_completion_args(self) -> tuple[list[str], str]:
        """fish: the line up to the cursor, and the token being completed (also in it)."""
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        token = os.environ.get("COMP_CWORD", "")
        incomplete = split_arg_string(token)[0] if token else ""
        args = words[1:]
        if incomplete and args and args[-1] == incomplete:
            args.pop()
        return args, incomplete

    def format_completion(self, item: CompletionItem) -> str:
        help_text = _one_line(item.help)
        return (
            f"{item.type},{item.value}\t{help_text}" if help_text else f"{item.type},{item.value}"
        )


SHELLS: dict[str, type[_Shell]] = {"bash": Bash, "zsh": Zsh, "fish": Fish}


def answer(cli: click.Command, ctx_args: MutableMapping[str, Any], instruction: str) -> None:
    """Answer ``_HOSTCTL_COMPLETE=<shell>_complete`` (or ``<shell>_source``) on stdout."""
    shell, _sep, action = instruction.partition("_")
    kind = SHELLS.get(shell)
    if kind is None or action not in ("complete", "source"):
        raise UsageError(
            _(
                "{variable}={instruction} is not a completion request hostctl knows; use "
                "bash_complete, zsh_complete or fish_complete."
            ).format(variable=COMPLETE_VAR, instruction=instruction)
        )
    comp = kind(cli, ctx_args, PROG, COMPLETE_VAR)
    text = comp.complete() if action == "complete" else comp.source().rstrip("\n")
    if text:  # no candidate: no line at all, not an empty one
        output.print_line(text)


def _shell_names(incomplete: str) -> list[str]:
    return [name for name in SHELLS if name.startswith(incomplete)]


def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.", autocompletion=_shell_names)],
) -> None:
    """Print the Tab-completion script for SHELL (bash, zsh or fish) on stdout.

    Load it from the shell's start-up file:

    \b
    bash  eval "$(hostctl completion bash)"   in ~/.bashrc
    zsh   eval "$(hostctl completion zsh)"    in ~/.zshrc, after compinit
    fish  hostctl completion fish > ~/.config/fish/completions/hostctl.fish

    Example: hostctl completion bash > ~/.local/share/bash-completion/completions/hostctl
    """
    kind = SHELLS.get(shell)
    if kind is None:
        raise UsageError(
            _("Unknown shell '{shell}'; hostctl completes bash, zsh and fish.").format(shell=shell)
        )
    output.print_line(kind.script.rstrip("\n"))
