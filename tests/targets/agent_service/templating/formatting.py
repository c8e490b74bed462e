"""Renders greetings and keeps every one it ever rendered: an unbounded cache."""


class Rendered:
    """One rendered greeting."""

    def __init__(self, key: int) -> None:
        self.key = key
        self.text = f"<p>hello {key}</p>" * 8


_cache: dict[int, Rendered] = {}


def render(key: int) -> Rendered:
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = Rendered(key)
    return found
