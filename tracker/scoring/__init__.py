"""Pure scoring: rule kinds, templates as data, facts -> points. No Flask, no database."""
