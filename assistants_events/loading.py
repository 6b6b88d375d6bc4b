"""Find a handler class named on a command line: `module:Class` or `path/to/file.py:Class`."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from .handler import EventHandler

__all__ = ["load_handler_class"]


def load_handler_class(spec: str) -> type[EventHandler]:
    """The `EventHandler` subclass named `module:Class` or `path/to/file.py:Class`.

    A module is imported from the current directory (or an installed package); a
    file's folder becomes importable, so it may import its neighbours.  Raises
    `ValueError` saying what is wrong with `spec`.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"--handler takes module:Class, got {spec!r}")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            where = importlib.util.spec_from_file_location(path.stem, path)
            if where is None or where.loader is None or not path.is_file():
                raise ValueError(f"no such file: {module_name}")
            _importable(str(path.resolve().parent))
            module = importlib.util.module_from_spec(where)
            where.loader.exec_module(module)
        else:
            _importable(os.getcwd())
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r}: {exc}") from None
    handler = getattr(module, attr, None)
    if not (isinstance(handler, type) and issubclass(handler, EventHandler)):
        raise ValueError(f"{spec!r} is not an EventHandler subclass")
    return handler


def _importable(folder: str) -> None:
    # A console script's sys.path[0] is its bin folder, not the working directory
    # (`python -m` puts the latter first): put it there so `--handler mod:Class`
    # finds mod.py, and the modules mod.py imports, where the user stands.
    if folder not in sys.path:
        sys.path.insert(0, folder)
