"""Real processes: what hostctl reads from outside is bounded. ``/dev/zero`` as a password,
a message or an import file is one sentence and exit 1, quickly and within 1 GB of address
space; a FIFO with no writer or a device is refused without waiting; standard input is read
once (``-`` or ``/dev/stdin``); a full disk is said in words."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.test_startup_and_concurrency import HOSTCTL, _env

CATALOGUE = Path(__file__).parents[2] / "examples" / "catalogue.toml"
GIGABYTE = 1024**3


def _limited() -> None:
    """In the child: at most 1 GB of address space, as ``ulimit -v 1048576``."""
    resource.setrlimit(resource.RLIMIT_AS, (GIGABYTE, GIGABYTE))


def _run(
    args: list[str], env: dict[str, str], *, stdin: object = subprocess.DEVNULL, text: str = ""
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    if text:
        result = subprocess.run(
            [HOSTCTL, *args], env=env, input=text, capture_output=True, text=True, timeout=120,
            preexec_fn=_limited,
        )  # fmt: skip
    else:
        result = subprocess.run(
            [HOSTCTL, *args], env=env, stdin=stdin, capture_output=True, text=True, timeout=120,
            preexec_fn=_limited,
        )  # fmt: skip
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("bounded")
    env = _env(HOSTCTL_DATABASE_URL=f"sqlite:///{folder / 'h.db'}", HOSTCTL_CACHE_DIR=str(folder))
    for args in (
        ["db", "upgrade"],
        ["client", "add", "--name", "Ana", "--email", "ana@example.com"],
    ):
        result, _ = _run(args, env)
        assert result.returncode == 0, result.stderr
    return env


def _one_sentence(result: subprocess.CompletedProcess[str], sentence: str) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"error: {sentence}\n")


def test_a_password_from_dev_zero_is_one_sentence_not_all_the_memory(env):
    with open("/dev/zero", "rb") as zero:
        result, took = _run(["client", "set-password", "1", "--password-stdin"], env, stdin=zero)
    _one_sentence(
        result,
        "The password on standard input is longer than 1024 bytes; give only the password.",
    )
    assert took < 30


@pytest.mark.parametrize("noun", ["client", "service", "product"])
def test_an_import_of_dev_zero_as_standard_input_is_refused_within_its_limit(env, noun):
    with open("/dev/zero", "rb") as zero:
        result, took = _run([noun, "import", "-"], env, stdin=zero)
    _one_sentence(
        result,
        "standard input is larger than 50 MB, more than such a file can be; check that it is "
        "the right file.",
    )
    assert took < 60


def test_a_message_from_dev_zero_is_refused(env):
    for args, stdin, sentence in (
        (
            ["--message-file", "/dev/zero"],
            subprocess.DEVNULL,
            "/dev/zero is not a regular file (a pipe or a device); give a file, or - to read "
            "standard input.",
        ),
        (
            ["--message-file", "-"],
            open("/dev/zero", "rb"),  # noqa: SIM115 - closed with the process
            "standard input is larger than 40000 bytes, more than such a file can be; check "
            "that it is the right file.",
        ),
    ):
        result, took = _run(
            ["transfer", "confirm", "1", "--party", "from", *args], env, stdin=stdin
        )
        _one_sentence(result, sentence)
        assert took < 30


@pytest.mark.parametrize(
    "args",
    [
        ["client", "import"],
        ["service", "import"],
        ["product", "import"],
        ["transfer", "confirm", "1", "--party", "from", "--message-file"],
    ],
)
def test_a_fifo_with_no_writer_is_refused_at_once(env, tmp_path, args):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result, took = _run([*args, str(fifo)], env)
    _one_sentence(
        result,
        f"{fifo} is not a regular file (a pipe or a device); give a file, or - to read "
        "standard input.",
    )
    assert took < 30


def test_standard_input_is_read_once_as_dash_or_dev_stdin(env):
    for name, email in (("-", "bea@example.com"), ("/dev/stdin", "carla@example.com")):
        result, _ = _run(["client", "import", name], env, text=f"name,email\nX,{email}\n")
        assert (result.returncode, result.stderr) == (0, "1 client imported from standard input.\n")
    result, _ = _run(["product", "import", "/dev/stdin"], env, text=CATALOGUE.read_text())
    assert result.returncode == 0, result.stderr
    assert "from standard input." in result.stderr


def test_a_folder_is_refused_in_one_sentence(env, tmp_path):
    result, _ = _run(["client", "import", str(tmp_path)], env)
    _one_sentence(result, f"{tmp_path} is a folder, not a file.")


# --------------------------------------------------------------------------- a full disk
@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MB tmpfs (root only; skipped where it cannot be mounted)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("no tmpfs can be mounted here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_said_in_words_in_english_and_spanish(small_disk, tmp_path):
    database = small_disk / "hostctl.db"
    env = _env(HOSTCTL_DATABASE_URL=f"sqlite:///{database}", HOSTCTL_CACHE_DIR=str(tmp_path))
    for args in (["db", "upgrade"], ["client", "add", "--name", "Ana", "--email", "a@example.com"]):
        result, _ = _run(args, env)
        assert result.returncode == 0, result.stderr
    try:  # every byte that is left (unbuffered: closing the file has nothing left to write)
        with open(small_disk / "filler", "wb", buffering=0) as filler:
            while True:
                filler.write(b"\0" * 65536)
    except OSError:
        pass
    result, _ = _run(["client", "add", "--name", "Bea", "--email", "b@example.com"], env)
    _one_sentence(
        result,
        f"The database cannot grow: the disk that holds {database} is full; nothing was "
        "changed. Free some space and try again.",
    )
    result, _ = _run(["daily"], {**env, "HOSTCTL_TODAY": "2027-01-14", "HOSTCTL_LANG": "es"})
    _one_sentence(
        result,
        f"La base de datos no puede crecer: el disco que contiene {database} está lleno; no "
        "se cambió nada. Libere espacio e intente de nuevo.",
    )
    (small_disk / "filler").unlink()
    result, _ = _run(["client", "list", "--json"], env)
    assert [c["name"] for c in __import__("json").loads(result.stdout)] == ["Ana"]
