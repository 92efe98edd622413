"""Hooks run as whoever runs hostctl (root, from cron): one runs only if nobody else could
have written it, as OpenSSH's StrictModes and sudo check (real files, owners and modes in
tmp_path; the tests run as root, which may give a file to ``nobody``). A hook is done when
its own process exits, whatever children it left behind."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hostctl.core.channels import PermanentError, Sent
from hostctl.core.channels import hooks as hook_channel
from notify_helpers import add_client, configure, emit, messages, send

NOBODY = 65534
EVENT = "service.suspended"
RULE = (
    "; a hook and the folders above it must be owned by root or by the user running hostctl "
    "and writable by no one else"
)
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to nobody")


def _hook(folder: Path, event: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    path = folder / event
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


class Tree:
    """``base/hooks/<EVENT>``: a hook that leaves a mark when it runs, in safe folders."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = root / "base"
        self.hooks = self.base / "hooks"
        self.mark = root / "ran"
        self.hook = _hook(self.hooks, EVENT, f"echo ran > {self.mark}\necho panel: done")
        self.base.chmod(0o755)

    def elsewhere(self, folder: str, mode: int = 0o755) -> Path:
        """A hook outside hooks.dir (a symlink's target), in ``root/folder``."""
        target = _hook(self.root / folder, "suspend.sh", f"echo ran > {self.mark}\necho linked")
        target.chmod(mode)
        return target

    def link(self, target: Path) -> None:
        self.hook.unlink()
        self.hook.symlink_to(target)


def _file_by_nobody(t: Tree) -> Path:
    os.chown(t.hook, NOBODY, -1)
    return t.hook


def _folder_by_nobody(t: Tree) -> Path:
    os.chown(t.hooks, NOBODY, -1)
    return t.hooks


def _link_by_nobody_in_sticky_folder(t: Tree) -> Path:
    t.hooks.chmod(0o1777)
    t.link(t.elsewhere("opt"))
    os.chown(t.hook, NOBODY, -1, follow_symlinks=False)
    return t.hook


def _file_by_nobody_in_sticky_folder(t: Tree) -> Path:
    t.hooks.chmod(0o1777)
    os.chown(t.hook, NOBODY, -1)
    return t.hook


def _link_to_file_by_nobody(t: Tree) -> Path:
    target = t.elsewhere("opt")
    os.chown(target, NOBODY, -1)
    t.link(target)
    return target


OWNED_BY_NOBODY: list[Callable[[Tree], Path]] = [
    _file_by_nobody,
    _folder_by_nobody,
    _link_by_nobody_in_sticky_folder,
    _file_by_nobody_in_sticky_folder,
    _link_to_file_by_nobody,
]


@as_root
@pytest.mark.parametrize("case", OWNED_BY_NOBODY, ids=lambda f: f.__name__.strip("_"))
def test_a_hook_someone_else_owns_is_not_run(tmp_path: Path, case: Callable[[Tree], Path]) -> None:
    tree = Tree(tmp_path)
    culprit = case(tree)
    with pytest.raises(PermanentError) as refused:
        hook_channel.run(str(tree.hooks), EVENT, {"outbox_id": 1})
    assert refused.value.reason == (
        f"hook {EVENT} not run: {culprit} is owned by uid {NOBODY}, not by root{RULE}"
    )
    assert not tree.mark.exists()


def _file_0777(t: Tree) -> tuple[Path, str]:
    t.hook.chmod(0o777)
    return t.hook, "group and others"


def _file_0775(t: Tree) -> tuple[Path, str]:
    t.hook.chmod(0o775)
    return t.hook, "group"


def _hooks_folder_0777(t: Tree) -> tuple[Path, str]:
    t.hooks.chmod(0o777)
    return t.hooks, "group and others"


def _folder_above_0757(t: Tree) -> tuple[Path, str]:
    t.base.chmod(0o757)
    return t.base, "others"


def _link_to_a_0777_file(t: Tree) -> tuple[Path, str]:
    target = t.elsewhere("opt", 0o777)
    t.link(target)
    return target, "group and others"


def _link_into_a_0777_folder(t: Tree) -> tuple[Path, str]:
    target = t.elsewhere("opt")
    target.parent.chmod(0o777)
    t.link(target)
    return target.parent, "group and others"


def _link_through_a_link_in_a_0777_folder(t: Tree) -> tuple[Path, str]:
    # hooks/<EVENT> → shared/current → opt/suspend.sh: anyone may re-point shared/current
    shared = t.root / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    (shared / "current").symlink_to(t.elsewhere("opt"))
    t.link(shared / "current")
    return shared, "group and others"


def _sticky_bit_on_a_writable_file(t: Tree) -> tuple[Path, str]:
    t.hooks.chmod(0o1777)  # the folder may be sticky, the file may not be writable
    t.hook.chmod(0o1757)
    return t.hook, "others"


WRITABLE: list[Callable[[Tree], tuple[Path, str]]] = [
    _file_0777,
    _file_0775,
    _hooks_folder_0777,
    _folder_above_0757,
    _link_to_a_0777_file,
    _link_into_a_0777_folder,
    _link_through_a_link_in_a_0777_folder,
    _sticky_bit_on_a_writable_file,
]


@pytest.mark.parametrize("case", WRITABLE, ids=lambda f: f.__name__.strip("_"))
def test_a_hook_others_could_change_is_not_run(
    tmp_path: Path, case: Callable[[Tree], tuple[Path, str]]
) -> None:
    tree = Tree(tmp_path)
    culprit, who = case(tree)
    with pytest.raises(PermanentError) as refused:
        hook_channel.run(str(tree.hooks), EVENT, {"outbox_id": 1})
    assert refused.value.reason == (
        f"hook {EVENT} not run: {culprit} is writable by {who} (chmod go-w {culprit}){RULE}"
    )
    assert not tree.mark.exists()


def _as_made(t: Tree) -> str:
    return "panel: done"  # and tmp_path's own folders (/tmp is sticky) pass


def _sticky_folder_above(t: Tree) -> str:
    t.base.chmod(0o1777)
    return "panel: done"


def _sticky_hooks_folder(t: Tree) -> str:
    t.hooks.chmod(0o1777)
    return "panel: done"


def _link_to_a_safe_file(t: Tree) -> str:
    t.link(t.elsewhere("opt"))
    return "linked"


def _relative_link_with_dots(t: Tree) -> str:
    t.elsewhere("opt")
    t.hook.unlink()
    t.hook.symlink_to(Path("..", "..", "opt", "suspend.sh"))
    return "linked"


def _read_only_file(t: Tree) -> str:
    t.hook.chmod(0o500)
    return "panel: done"


SAFE: list[Callable[[Tree], str]] = [
    _as_made,
    _sticky_folder_above,
    _sticky_hooks_folder,
    _link_to_a_safe_file,
    _relative_link_with_dots,
    _read_only_file,
]


@pytest.mark.parametrize("case", SAFE, ids=lambda f: f.__name__.strip("_"))
def test_a_hook_only_root_could_write_runs(tmp_path: Path, case: Callable[[Tree], str]) -> None:
    tree = Tree(tmp_path)
    printed = case(tree)
    assert hook_channel.unsafe(tree.hook) is None
    assert hook_channel.run(str(tree.hooks), EVENT, {"outbox_id": 1}) == Sent(provider_id=printed)
    assert tree.mark.read_text() == "ran\n"


def test_tmp_paths_folders_are_safe_themselves(tmp_path: Path) -> None:
    # every test here relies on it: / and /tmp (1777: sticky), then pytest's 0700 folders
    probe = tmp_path / "probe"
    probe.write_text("")
    assert hook_channel.unsafe(probe) is None


def test_an_unsafe_hook_fails_with_the_reason_and_is_not_retried(
    db_url: str, tmp_path: Path
) -> None:
    tree = Tree(tmp_path)
    tree.hooks.chmod(0o777)
    configure(db_url, hooks__dir=str(tree.hooks))
    emit(db_url, add_client(db_url, phone=None, email=""), EVENT, {}, service_id=4)
    assert send(db_url)["failed"] == 1
    [row] = messages(db_url)
    assert (row.channel, row.status, row.attempts) == ("hook", "failed", 1)
    assert row.last_error == (
        f"attempt 1: hook {EVENT} not run: {tree.hooks} is writable by group and others "
        f"(chmod go-w {tree.hooks}){RULE}"
    )
    assert not tree.mark.exists()

    tree.hooks.chmod(0o755)  # fixed: staff give it another go
    assert send(db_url, retry_failed=True)["sent"] == 1
    assert tree.mark.read_text() == "ran\n"


# --------------------------------------------------------------------------- children
def test_a_hook_is_done_when_it_exits_whatever_its_children_do(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hook_channel, "TIMEOUT_SECONDS", 20)
    pid = tmp_path / "child.pid"
    hooks = tmp_path / "hooks"
    # the child inherits the hook's stdout and stderr and outlives it
    _hook(hooks, EVENT, f"sleep 60 &\necho $! > {pid}\necho 'cwp: suspended, cache purge queued'")
    configure(db_url, hooks__dir=str(hooks))
    emit(db_url, add_client(db_url, phone=None, email=""), EVENT, {}, service_id=4)
    started = time.monotonic()
    try:
        counts = send(db_url)
        took = time.monotonic() - started
    finally:
        os.kill(int(pid.read_text()), signal.SIGTERM)
    assert (counts["sent"], counts["unknown"]) == (1, 0)
    assert took < 10  # not the hook's timeout
    [row] = messages(db_url)
    assert (row.status, row.provider_id) == ("sent", "cwp: suspended, cache purge queued")


def test_a_hooks_dir_removed_since_config_set_fails_its_messages_not_the_run(
    db_url: str, tmp_path: Path
) -> None:
    tree = Tree(tmp_path)
    configure(db_url, hooks__dir=str(tree.hooks))  # config set checks that it exists
    emit(db_url, add_client(db_url, phone=None, email=""), EVENT, {}, service_id=4)
    tree.hook.unlink()
    tree.hooks.rmdir()
    assert send(db_url)["failed"] == 1
    [row] = messages(db_url)
    assert row.last_error == f"attempt 1: no executable hook {tree.hook}"
