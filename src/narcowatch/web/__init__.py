"""The analyst UI: Jinja2 templates, htmx, and views over the domain functions."""
