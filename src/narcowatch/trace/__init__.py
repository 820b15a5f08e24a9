"""Follow the money: transfers store, attribution tags, tracing engine (DuckDB, Spark),
clustering, deposit detection, dropper-card requisites and trace reports."""
