"""Every name the benchmark scripts import from buildNanoGPT exists (imports inside functions included).
The scripts are not run in CI (they time things); this keeps them from rotting when a name moves between modules."""

import ast, importlib, sys
from pathlib import Path

missing = []
for path in sorted(Path(__file__).resolve().parent.parent.glob("bench/*.py")):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("buildNanoGPT"):
            module = importlib.import_module(node.module)
            missing += [f"{path.name}:{node.lineno}: {node.module}.{a.name}" for a in node.names
                        if not hasattr(module, a.name)]
if missing:
    sys.exit("benchmark scripts import names that don't exist:\n" + "\n".join(missing))
print("bench imports: ok")
