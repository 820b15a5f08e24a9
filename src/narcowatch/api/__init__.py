"""The HTTP front door: the FastAPI app factory, middleware and static asset mounts."""
