"""Sources: one module per kind of place that items come from."""
