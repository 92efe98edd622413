"""Tab completion as the shells use it: `hostctl completion SHELL` prints a script, and the
script calls hostctl back with Click's protocol (_HOSTCTL_COMPLETE, COMP_WORDS, COMP_CWORD).
Real processes; the bash, zsh and fish tests run the real shells when they are installed."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")
CLIENT_HELP = "Clients and their contacts (rules §1)."
ADD_HELP = "Register a client; alerts client.registered."


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTCTL_", "_HOSTCTL_"))}
    # The scripts call `hostctl` by name, as an installed one would be.
    env["PATH"] = f"{Path(HOSTCTL).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOSTCTL, *args], env=_env(**env), capture_output=True, text=True, timeout=120
    )


def _complete(shell: str, words: str, cword: str) -> list[str]:
    """What hostctl answers to the script of `shell` for the line `words`."""
    result = _run(_HOSTCTL_COMPLETE=f"{shell}_complete", COMP_WORDS=words, COMP_CWORD=cword)
    assert (result.returncode, result.stderr) == (0, "")
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("shell", "lines"),
    [
        (
            "bash",
            [
                'mapfile -t lines < <(COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \\',
                '_HOSTCTL_COMPLETE=bash_complete "$1")',
                "complete -o nosort -o default -F _hostctl_completion hostctl",
            ],
        ),
        (
            "zsh",
            [
                "#compdef hostctl",
                '_HOSTCTL_COMPLETE=zsh_complete hostctl)}")',
                "compdef _hostctl_completion hostctl",
            ],
        ),
        (
            "fish",
            [
                "set -l response (env COMP_WORDS=(commandline -cp) COMP_CWORD=(commandline -ct) \\",
                "_HOSTCTL_COMPLETE=fish_complete hostctl)",
                "complete --command hostctl --no-files --arguments '(__hostctl_complete)'",
            ],
        ),
    ],
)
def test_completion_prints_a_script_that_calls_back_with_the_protocol(shell, lines):
    result = _run("completion", shell)
    assert (result.returncode, result.stderr) == (0, "")
    script = [line.strip() for line in result.stdout.splitlines()]
    for line in lines:
        assert line in script
    # Click's own `source` instruction gives the same script.
    assert _run(_HOSTCTL_COMPLETE=f"{shell}_source").stdout == result.stdout


def test_bash_protocol_completes_nouns_verbs_and_options():
    assert _complete("bash", "hostctl cl", "1") == ["plain,client"]
    assert _complete("bash", "hostctl --no-input cl", "2") == ["plain,client"]
    nouns = _complete("bash", "hostctl ", "1")
    assert nouns[:3] == ["plain,client", "plain,product", "plain,service"]
    assert nouns[-1] == "plain,completion"
    verbs = _complete("bash", "hostctl client ", "2")
    assert {"plain,add", "plain,list", "plain,show", "plain,edit", "plain,statement"} <= set(verbs)
    assert "plain,product" not in verbs
    assert _complete("bash", "hostctl client add --na", "3") == ["plain,--name"]
    assert _complete("bash", "hostctl client contact ", "3") == ["plain,add"]
    assert _complete("bash", "hostctl daily --dr", "2") == ["plain,--dry-run"]
    shells = _complete("bash", "hostctl completion ", "2")
    assert shells == ["plain,bash", "plain,zsh", "plain,fish"]
    # Nothing to offer (a FILE argument): no line at all, and the script falls back to files.
    assert _complete("bash", "hostctl client import ", "3") == []


def test_zsh_protocol_answers_type_value_and_help():
    assert _complete("zsh", "hostctl cl", "1") == ["plain", "client", CLIENT_HELP]
    verbs = _complete("zsh", "hostctl client ", "2")
    triples = [tuple(verbs[i : i + 3]) for i in range(0, len(verbs), 3)]
    assert ("plain", "add", ADD_HELP) in triples
    assert "statement" in [value for _, value, _ in triples]
    assert _complete("zsh", "hostctl client add --na", "3") == ["plain", "--name", "Full name."]


def test_fish_protocol_takes_the_line_and_the_token():
    assert _complete("fish", "hostctl cl", "cl") == [f"plain,client\t{CLIENT_HELP}"]
    verbs = _complete("fish", "hostctl client ", "")
    assert f"plain,add\t{ADD_HELP}" in verbs
    assert [v for v in verbs if v.startswith("plain,statement\t")] != []
    assert _complete("fish", "hostctl client add --na", "--na") == ["plain,--name\tFull name."]


def test_unknown_shell_is_a_usage_error_in_one_sentence():
    result = _run("completion", "tcsh")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "error: Unknown shell 'tcsh'; hostctl completes bash, zsh and fish.\n"
    request = _run(_HOSTCTL_COMPLETE="complete_bash", COMP_WORDS="hostctl ", COMP_CWORD="1")
    assert (request.returncode, request.stdout) == (2, "")
    assert request.stderr == (
        "error: _HOSTCTL_COMPLETE=complete_bash is not a completion request hostctl knows; "
        "use bash_complete, zsh_complete or fish_complete.\n"
    )


def _modules_after(*args: str, **env: str) -> set[str]:
    """The hostctl.commands modules a run of hostctl imported."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules\n"
        "    if m.startswith('hostctl.commands.')), file=sys.stderr))\n"
        "from hostctl.cli import main\n"
        f"sys.argv = ['hostctl', *{list(args)!r}]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=_env(**env), capture_output=True, text=True, timeout=120
    )
    return set(ast.literal_eval(result.stderr.splitlines()[-1]))


def test_completion_loads_only_the_noun_it_completes_and_ordinary_runs_never_load_it():
    protocol = {"_HOSTCTL_COMPLETE": "bash_complete"}
    nouns = _modules_after(**protocol, COMP_WORDS="hostctl ", COMP_CWORD="1")
    assert nouns == {"hostctl.commands.completion"}
    verbs = _modules_after(**protocol, COMP_WORDS="hostctl client ", COMP_CWORD="2")
    assert verbs == {
        "hostctl.commands.completion",
        "hostctl.commands.client",
        "hostctl.commands._common",
    }
    assert _modules_after("--help") == set()
    assert _modules_after("client", "--help") == {
        "hostctl.commands.client",
        "hostctl.commands._common",
    }


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_sources_the_script_and_its_function_fills_compreply():
    script = (
        "source <(hostctl completion bash)\n"
        "complete -p hostctl\n"
        'COMP_WORDS=(hostctl client ""); COMP_CWORD=2; _hostctl_completion hostctl\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(hostctl client add --na); COMP_CWORD=3; _hostctl_completion hostctl\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == "complete -o default -o nosort -F _hostctl_completion hostctl"
    assert lines[1:3] == ["add", "list"]
    assert "statement" in lines
    assert lines[-1] == "--name"


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_through_the_script():
    script = (
        "hostctl completion fish | source\n"
        'complete -C "hostctl cl"\n'
        'complete -C "hostctl client "\n'
        'complete -C "hostctl client add --na"\n'
    )
    result = subprocess.run(
        ["fish", "--no-config", "-c", script],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == f"client\t{CLIENT_HELP}"
    assert f"add\t{ADD_HELP}" in lines
    assert [line for line in lines if line.startswith("statement\t")] != []
    assert lines[-1] == "--name\tFull name."


# An interactive zsh on a pseudo-terminal (zsh/zpty): type a line, press ^D (list the
# choices) and read until the expected listing appears; no sleeps, the timeout is the limit.
_ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="%% "; autoload -Uz compinit; compinit -u -D; eval "$(hostctl completion zsh)"'
zpty -w z 'print -r -- $_comps[hostctl] RE""ADY'
zpty -r z out '*_hostctl_completion READY*'
print -r -- INSTALLED
zpty -w -n z $'hostctl cl\x04'
zpty -r z out '*-- Clients and their contacts ?rules §1?.*'
print -r -- $out
zpty -w -n z $'\x15hostctl client \x04'
zpty -r z out '*-- Secondary contacts of a client.*'
print -r -- $out
zpty -w -n z $'\x15hostctl client add --na\x04'
zpty -r z out '*-- Full name.*'
print -r -- $out
zpty -d z
"""


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completes_through_the_script_in_an_interactive_shell():
    result = subprocess.run(
        ["zsh", "-f", "-c", _ZSH_DRIVER], env=_env(), capture_output=True, text=True, timeout=240
    )
    assert (result.returncode, result.stderr) == (0, "")
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "\n", result.stdout)
    listed = [" ".join(line.split()) for line in screen.splitlines() if " -- " in line]
    assert screen.startswith("INSTALLED\n")
    assert listed[0] == f"client -- {CLIENT_HELP}"
    assert f"add -- {ADD_HELP}" in listed
    assert "statement -- Invoices, payments, refunds and credit in..." in listed
    assert listed[-1] == "--name -- Full name."
