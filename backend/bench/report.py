"""Where results go: `benchmarks/<name>.json` and `.md`, and the README sections that quote them.

A README section is the lines between `<!-- <label>: benchmarks/<name>.md -->` and
`<!-- end <label> -->`; writing a stage's table rewrites what lies between.
"""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path
from typing import Any

from backend.chain.compiler import REPO_ROOT

OUT = REPO_ROOT / "benchmarks"
README = REPO_ROOT / "README.md"
_SECTION = re.compile(
    r"(<!-- (?P<label>[\w ]+): benchmarks/(?P<name>[\w/.-]+)\.md -->\n)(?P<body>.*?)"
    r"(<!-- end (?P=label) -->)",
    re.DOTALL,
)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def write(name: str, record: dict[str, Any], table: list[str], out: Path = OUT) -> Path:
    """Write the JSON record and the Markdown table of stage ``name``; returns the .md path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    markdown = out / f"{name}.md"
    markdown.write_text("\n".join(table) + "\n")
    return markdown


def update_readme(readme: Path = README, out: Path = OUT) -> list[str]:
    """Replace every quoted table with the file it names; returns the names updated."""
    updated: list[str] = []

    def fill(match: re.Match[str]) -> str:
        source = out / f"{match['name']}.md"
        if not source.exists():
            return match[0]
        updated.append(match["name"])
        return match[1] + source.read_text() + match[5]

    text = readme.read_text()
    new = _SECTION.sub(fill, text)
    if new != text:
        readme.write_text(new)
    return updated
