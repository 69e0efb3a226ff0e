"""The preset templates shipped in tracker/presets (one YAML file per seed form), read as plain dicts."""

from pathlib import Path

import yaml

PRESETS = Path(__file__).resolve().parent.parent / "presets"

# libyaml's safe loader when PyYAML was built with it (about ten times faster), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def bundled_presets(directory=PRESETS):
    """The preset template dicts shipped in tracker/presets, by code (the app copies them into its database)."""
    presets = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        presets[data["code"]] = data
    return presets
