"""A small package whose render cache grows without bound (the agent's tests' service)."""
