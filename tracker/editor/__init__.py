"""The template editor: new versions of a KPI template, checked by the same loader as the presets, and the what-if
preview of a version over a past month."""
