"""Making key sources whole again in a forked child process (gunicorn ``--preload``).

A child of ``fork()`` has only the thread that forked: a background refresh is gone, a lock held
by another thread stays held forever, and a fetch in flight never ends. Objects registered here
are told so in the child, in two rounds: every registered object first resets its state
(:meth:`ForkAware.reset_after_fork`), then those that run a thread start it again
(:meth:`Restartable.restart_after_fork`), so no restarted thread ever meets a state not yet reset.
Registration is weak: it never keeps an object alive.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class ForkAware(Protocol):
    def reset_after_fork(self) -> None:
        """Replace locks and forget in-flight work (runs in the child, before any restart)."""


class Restartable(ForkAware, Protocol):
    def restart_after_fork(self) -> None:
        """Start the background threads the object ran in the parent again."""


_resets: weakref.WeakSet[ForkAware] = weakref.WeakSet()
_restarts: weakref.WeakSet[Restartable] = weakref.WeakSet()


def reset_in_child(item: ForkAware) -> None:
    """Have ``item.reset_after_fork()`` called in every forked child."""
    _resets.add(item)


def restart_in_child(item: Restartable) -> None:
    """As :func:`reset_in_child`, then ``item.restart_after_fork()`` once all are reset."""
    _resets.add(item)
    _restarts.add(item)


def _after_fork_in_child() -> None:
    for item in list(_resets):
        item.reset_after_fork()
    for restartable in list(_restarts):
        restartable.restart_after_fork()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork()
    os.register_at_fork(after_in_child=_after_fork_in_child)
