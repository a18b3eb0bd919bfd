"""Starting the fresh interpreters the import and memory figures come from."""

from __future__ import annotations

import os


def child_env() -> dict[str, str]:
    """This process's environment, less what would run code or print in the child, with
    PYTHONPATH's entries made absolute: the children start in other folders, and a
    relative entry (``PYTHONPATH=src``) would make them import another tfevents (an
    installed one) than the one this report names."""
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if env.get("PYTHONPATH"):
        entries = env["PYTHONPATH"].split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(e) if e else e for e in entries)
    return env


def clean_launch(cmd: list[str]) -> list[str]:
    """``cmd`` started by a shell that forks it, rather than straight from this process.

    On Linux a process's ``ru_maxrss`` starts from the peak of the memory it was forked
    from (exec keeps the maximum), so a child started by a large benchmark process would
    report the parent's size. A shell forked from us is small; the child it forks starts
    clean.
    """
    if os.name == "posix" and os.path.exists("/bin/sh"):
        return ["/bin/sh", "-c", '"$0" "$@"; exit $?', *cmd]
    return cmd
