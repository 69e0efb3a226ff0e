"""Charts drawn on the server as SVG (no script, no CDN), each shown with its numbers as a table."""
