"""Executes one notebook headless and stops at the first failing cell.

Called by src/report/runNotebooks.ts (not meant to be run by hand):

    python3 execute_notebook.py <in.ipynb> <out.ipynb> <kernel_name> <cell_timeout_s>

This is what `jupyter nbconvert --to notebook --execute` does (the same nbclient engine),
with two differences that the runner needs: the executed notebook is written even when a
cell fails (so the failing cell's output, where tslab puts the error message, can be read
and shown), and each cell's start is reported on stderr as progress.

Prints one JSON line on stdout: {"ok": true, "cells": n} or
{"ok": false, "cells": n, "cellIndex": i, "cellId": "...", "error": "..."}.
"""
import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main(argv):
    if len(argv) != 5:
        print("usage: execute_notebook.py <in.ipynb> <out.ipynb> <kernel_name> <cell_timeout_s>", file=sys.stderr)
        return 2
    source, target, kernel_name, timeout = argv[1], argv[2], argv[3], int(argv[4])
    nb = nbformat.read(source, as_version=4)
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    state = {"index": None}

    def on_cell_start(cell, cell_index):
        state["index"] = cell_index
        if cell.cell_type != "code":
            return
        first_line = (cell.source.strip().splitlines() or [""])[0][:70]
        position = code_cells.index(cell_index) + 1
        print(f"  cell {position}/{len(code_cells)} [{cell.get('id', cell_index)}] {first_line}", file=sys.stderr, flush=True)

    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=timeout,
        # Bigger than the default 60 s: the first cell of a fresh kernel compiles the library.
        startup_timeout=120,
        on_cell_start=on_cell_start,
    )
    result = {"ok": True, "cells": len(nb.cells)}
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        index = state["index"]
        result = {
            "ok": False,
            "cells": len(nb.cells),
            "cellIndex": index,
            "cellId": nb.cells[index].get("id") if index is not None else None,
            "error": f"{type(err).__name__}: {str(err)[-2000:]}",
        }
    finally:
        nbformat.write(nb, target)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
