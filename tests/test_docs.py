"""The documentation builds without warnings, and the Python snippets of its pages run.

Conventions for the snippets of ``docs/*.md``:

- Every ```` ```python ```` block runs. A page's blocks run in page order, in one namespace (a
  ``__main__`` module), in a fresh interpreter whose working directory is a temporary folder,
  so files that snippets write land there. A failure names the page and line.
- Snippets that need a server start a `genai_live.testing.LiveEmulator` themselves: no key, no
  network.
- A block that would need the real service, hardware or a server that isn't there is preceded
  by the line ``<!-- skip -->`` (blank lines may come between) and is not run. Output and shell
  sessions go in ```` ```text ```` or ```` ```sh ```` blocks, which never run.
- The snippets run without ``GOOGLE_*``/``GEMINI_*`` variables or proxy settings, so they see a
  clean configuration.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .processes import clean_environment

DOCS = Path(__file__).resolve().parent.parent / "docs"
SKIP_MARKER = "<!-- skip -->"
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")

# Runs in the child interpreter: reads [{"source", "where"}] from stdin and runs each block.
_RUNNER = """
import json, sys, traceback, types
blocks = json.load(sys.stdin)
module = types.ModuleType("__main__")
sys.modules["__main__"] = module
for block in blocks:
    print(f"--- {block['where']}", flush=True)
    try:
        exec(compile(block["source"], block["path"], "exec"), module.__dict__)
    except BaseException:
        traceback.print_exc()
        print(f"FAILED: the snippet at {block['where']}", file=sys.stderr)
        sys.exit(1)
"""


def python_blocks(text: str, path: str) -> list[dict[str, str]]:
    """The ```python blocks of a markdown page that are not marked ``<!-- skip -->``.

    Each block's source is padded with blank lines so that tracebacks give page line numbers.
    """
    blocks: list[dict[str, str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index].strip())
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        info = opening["info"].split()
        start = index + 1
        end = start
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if info and info[0] == "python" and not _marked_skip(lines, index):
            source = "\n" * start + "\n".join(lines[start:end]) + "\n"
            blocks.append({"source": source, "path": path, "where": f"{path}:{start + 1}"})
        index = end + 1
    return blocks


def _marked_skip(lines: list[str], fence_index: int) -> bool:
    previous = fence_index - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    return previous >= 0 and lines[previous].strip() == SKIP_MARKER


PAGES = sorted(DOCS.glob("*.md"))


def test_block_parser_follows_the_conventions() -> None:
    page = "\n".join(
        [
            "# Title",
            "```python",
            "a = 1",
            "```",
            "<!-- skip -->",
            "",
            "```python",
            "raise SystemExit('not run')",
            "```",
            "```text",
            "not python",
            "```",
            "````python",
            "b = '```'",
            "````",
        ]
    )
    blocks = python_blocks(page, "page.md")
    assert [b["where"] for b in blocks] == ["page.md:3", "page.md:14"]
    assert blocks[0]["source"] == "\n\na = 1\n"
    assert blocks[1]["source"].strip() == "b = '```'"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_snippets_run(page: Path, tmp_path: Path) -> None:
    pytest.importorskip("websockets", reason="the snippets run the emulator: the testing extra")
    blocks = python_blocks(page.read_text(encoding="utf-8"), f"docs/{page.name}")
    if not blocks:
        return
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(blocks),
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        cwd=tmp_path,
        env=clean_environment(),
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    for needed in ("sphinx", "myst_parser", "furo"):
        pytest.importorskip(needed)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        env=clean_environment(),
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert (tmp_path / "html" / "index.html").exists()
