"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does through Quarto, which CI cannot install).
Markdown cells are copied; code cells become ```python blocks; cells marked `#| hide` are left out.
`python .ci/readme.py --check` exits 1 when README.md is out of date.
`python .ci/readme.py --block WORD` prints the README's first ```sh block that contains WORD (CI runs it as written)."""

import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nb = json.loads((root / "nbs" / "index.ipynb").read_text(encoding="utf-8"))
parts = []
for cell in nb["cells"]:
    src = "".join(cell["source"]).strip()
    if not src or any(l.strip() in ("#| hide", "#|hide") for l in src.splitlines()[:3]):
        continue
    if cell["cell_type"] == "markdown":
        parts.append(src.replace("](../media/", "](media/"))  # paths from the repo root
    elif cell["cell_type"] == "code":
        lines = [l for l in src.splitlines() if not l.startswith("#|")]
        parts.append("```python\n" + "\n".join(lines) + "\n```")
text = (
    "<!-- generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file -->\n\n"
    + "\n\n".join(parts)
    + "\n"
)
readme = root / "README.md"
if "--block" in sys.argv:
    word = sys.argv[sys.argv.index("--block") + 1]
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", readme.read_text(encoding="utf-8"), re.S) if word in b]
    if not blocks:
        sys.exit(f"README.md has no sh block containing {word!r}")
    print(blocks[0], end="")
elif "--check" in sys.argv:
    if readme.read_text(encoding="utf-8") != text:
        sys.exit("README.md is out of date with nbs/index.ipynb: run `python .ci/readme.py`")
else:
    readme.write_text(text, encoding="utf-8")
