"""A V8 heap snapshot read in one streaming pass: a census by constructor, and retainer paths.

The snapshot arrives as text chunks (`HeapProfiler.addHeapSnapshotChunk`) of one JSON document:
a `snapshot` header with the field layout, the flat integer arrays `nodes` and `edges`, a few
allocation-tracking arrays (empty unless tracking is on) and, last, `strings`. No JSON tree is
ever built: the integer arrays are parsed chunk by chunk into compact numpy columns (type and
name per node, 9 bytes; 12 bytes per edge), and of the strings only the names the census and
the paths need are kept. The string contents of the heap itself (a leaked reply is a string
node whose name is its text) are skipped character by character, however long.

Node names are grouped as DevTools groups them: objects, closures, regexps and native objects by
their constructor or function name, everything else by its type ("(string)", "(array)").
Retainer paths follow memlab's leak traces: the shortest path from the GC roots over edges that
are not weak, so each step is a reference that keeps the object alive.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

NAMED_TYPES = frozenset({"object", "closure", "regexp", "native"})
"""Node types whose name is a constructor (or function) name rather than content."""
LABELLED_EDGES = frozenset({"context", "property", "internal", "shortcut", "weak"})
"""Edge types whose `name_or_index` is a string index (the others carry a number)."""
REFERENCE_EDGES = frozenset({"context", "property"})
"""Edges a developer wrote (a variable, a property): shown bare; V8's own in parentheses."""
MAX_STRING_KEPT = 120
CLOSURE_KEY = 1 << 32
SECTION = re.compile(r'"(\w+)"\s*:\s*\[')
FIRST_SECTION = re.compile(r'"(nodes)"\s*:\s*\[')
"""The header holds arrays of its own (`node_fields`): the top-level arrays start at `nodes`."""
STRING_SPECIAL = re.compile(r'["\\]')


class SnapshotFormatError(ValueError):
    """The text is not a V8 heap snapshot this reader understands."""


@dataclass
class Census:
    """Live count and self size per constructor (or type) name, from one snapshot."""

    counts: dict[str, int]
    sizes: dict[str, int]
    nodes: int
    edges: int
    text_bytes: int


@dataclass
class _Graph:
    """The compact columns of a snapshot: enough for a census and for retainer paths."""

    node_type: np.ndarray  # uint8 per node
    node_name: np.ndarray  # uint32 string index per node
    node_size: np.ndarray  # int64 self size per node
    edge_offset: np.ndarray  # int64: first edge of each node (cumulative edge counts)
    edge_type: np.ndarray  # uint8 per edge
    edge_name: np.ndarray  # uint32 string index or element index per edge
    edge_to: np.ndarray  # uint32 target node ordinal per edge
    node_types: list[str]
    edge_types: list[str]
    strings: dict[int, str]


class _IntColumns:
    """A flat integer array arriving in pieces of text, kept as one numpy array per chunk."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.pending = ""

    def feed(self, text: str, final: bool) -> None:
        text = self.pending + text
        cut = len(text) if final else text.rfind(",") + 1
        self.pending = text[cut:]
        if text[:cut].strip(" \n\r\t,"):
            self.parts.append(np.fromstring(text[:cut], dtype=np.int64, sep=","))

    def array(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.int64)


class SnapshotReader:
    """Feed it the snapshot's chunks in order, then call `census()` and `retainer_paths()`."""

    def __init__(self) -> None:
        self._buffer = ""
        self._header: dict[str, Any] | None = None
        self._section: str | None = None
        self._columns: dict[str, _IntColumns] = {}
        self._depth = 0
        self._text_bytes = 0
        # strings section state
        self._string_index = 0
        self._in_string = False
        self._escape = False
        self._keep = False
        self._parts: list[str] = []
        self._wanted: set[int] = set()
        self._strings: dict[int, str] = {}
        self._done = False
        self._graph: _Graph | None = None

    def feed(self, chunk: str) -> None:
        """Consume the next chunk of snapshot text."""
        self._text_bytes += len(chunk)
        text, pos = self._buffer + chunk, 0
        self._buffer = ""
        while pos < len(text) and not self._done:
            if self._section is None:
                pos = self._find_section(text, pos)
            elif self._section in ("nodes", "edges"):
                pos = self._numbers(text, pos)
            elif self._section == "strings":
                pos = self._string_chars(text, pos)
            else:
                pos = self._skip_array(text, pos)

    def _find_section(self, text: str, pos: int) -> int:
        match = (FIRST_SECTION if self._header is None else SECTION).search(text, pos)
        if match is None:
            self._buffer = text[pos:] if self._header is None else text[-64:]
            return len(text)
        if self._header is None:
            self._header = self._parse_header(text[: match.start()])
        self._section = match.group(1)
        if self._section == "strings":
            self._prepare_strings()
        self._depth = 1
        return match.end()

    @staticmethod
    def _parse_header(text: str) -> dict[str, Any]:
        try:
            header = json.loads(text.rstrip(" \n\r\t,") + "}")
            meta = header["snapshot"]["meta"]
            meta["node_fields"].index("edge_count")
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotFormatError(f"not a V8 heap snapshot header: {exc}") from None
        return header

    def _numbers(self, text: str, pos: int) -> int:
        end = text.find("]", pos)
        columns = self._columns.setdefault(self._section or "", _IntColumns())
        columns.feed(text[pos : len(text) if end < 0 else end], final=end >= 0)
        if end < 0:
            return len(text)
        self._section = None
        return end + 1

    def _skip_array(self, text: str, pos: int) -> int:
        """Allocation-tracking arrays hold only numbers and nested arrays: count brackets."""
        for index in range(pos, len(text)):
            char = text[index]
            if char == "[":
                self._depth += 1
            elif char == "]":
                self._depth -= 1
                if self._depth == 0:
                    self._section = None
                    return index + 1
        return len(text)

    def _prepare_strings(self) -> None:
        """Decide which string indices matter before the strings go by: names, edge labels."""
        self._graph = self._build_graph()
        graph = self._graph
        named = np.isin(
            graph.node_type,
            [i for i, t in enumerate(graph.node_types) if t in NAMED_TYPES or t == "synthetic"],
        )
        labelled = np.isin(
            graph.edge_type, [i for i, t in enumerate(graph.edge_types) if t in LABELLED_EDGES]
        )
        self._wanted = set(np.unique(graph.node_name[named]).tolist())
        self._wanted.update(np.unique(graph.edge_name[labelled]).tolist())

    def _string_chars(self, text: str, pos: int) -> int:
        """Walk the strings array, keeping only wanted entries (truncated), in linear time."""
        while pos < len(text):
            if not self._in_string:
                char = text[pos]
                if char == "]":
                    self._done = True
                    return pos + 1
                if char == '"':
                    self._in_string, self._parts = True, []
                    self._keep = self._string_index in self._wanted
                pos += 1
                continue
            if self._escape:
                self._escape = False
                if self._keep:
                    self._parts.append(text[pos])
                pos += 1
                continue
            match = STRING_SPECIAL.search(text, pos)
            if match is None:
                if self._keep:
                    self._parts.append(text[pos:])
                return len(text)
            if self._keep:
                self._parts.append(text[pos : match.start()])
            if match.group() == "\\":
                self._escape = True
                if self._keep:
                    self._parts.append("\\")
                pos = match.end()
                continue
            if self._keep:
                self._strings[self._string_index] = _decode(self._parts)
            self._string_index += 1
            self._in_string = False
            pos = match.end()
        return pos

    def _build_graph(self) -> _Graph:
        assert self._header is not None
        meta = self._header["snapshot"]["meta"]
        node_fields, edge_fields = meta["node_fields"], meta["edge_fields"]
        nodes = self._columns.get("nodes", _IntColumns()).array()
        edges = self._columns.get("edges", _IntColumns()).array()
        if nodes.size % len(node_fields) or edges.size % len(edge_fields):
            raise SnapshotFormatError("node or edge array length does not match its fields")
        nodes = nodes.reshape(-1, len(node_fields))
        edges = edges.reshape(-1, len(edge_fields))
        self._columns.clear()
        counts = nodes[:, node_fields.index("edge_count")]
        offset = np.zeros(len(nodes) + 1, dtype=np.int64)
        np.cumsum(counts, out=offset[1:])
        if offset[-1] != len(edges):
            raise SnapshotFormatError("edge counts of the nodes do not add up to the edges")
        return _Graph(
            node_type=nodes[:, node_fields.index("type")].astype(np.uint8),
            node_name=nodes[:, node_fields.index("name")].astype(np.uint32),
            node_size=nodes[:, node_fields.index("self_size")].copy(),
            edge_offset=offset,
            edge_type=edges[:, edge_fields.index("type")].astype(np.uint8),
            edge_name=edges[:, edge_fields.index("name_or_index")].astype(np.uint32),
            edge_to=(edges[:, edge_fields.index("to_node")] // len(node_fields)).astype(np.uint32),
            node_types=list(meta["node_types"][0]),
            edge_types=list(meta["edge_types"][0]),
            strings={},
        )

    def _finished_graph(self) -> _Graph:
        if not self._done or self._graph is None:
            raise SnapshotFormatError("the snapshot ended before its strings")
        self._graph.strings = self._strings
        return self._graph

    def census(self) -> Census:
        """Count and self size per constructor or type name."""
        graph = self._finished_graph()
        labels = _node_labels(graph)
        keys, inverse = np.unique(labels, return_inverse=True)
        counts = np.bincount(inverse, minlength=len(keys))
        sizes = np.bincount(inverse, weights=graph.node_size, minlength=len(keys))
        names = [_label_name(graph, int(key)) for key in keys]
        census = Census({}, {}, len(graph.node_type), len(graph.edge_type), self._text_bytes)
        for name, count, size in zip(names, counts.tolist(), sizes.tolist(), strict=True):
            census.counts[name] = census.counts.get(name, 0) + int(count)
            census.sizes[name] = census.sizes.get(name, 0) + int(size)
        return census

    def retainer_paths(self, names: list[str], *, per_name: int = 2, depth: int = 10) -> list[Any]:
        """For each constructor in `names`, the retainer paths of its `per_name` newest objects.

        Newest: the highest node ordinals of that name (V8 assigns ids in allocation order, so
        they are the likeliest to be growth rather than startup state). Each path runs from the
        nearest named holder down to the object, at most `depth` steps.
        """
        graph = self._finished_graph()
        labels = _node_labels(graph)
        wanted = {_label_name(graph, int(key)): int(key) for key in np.unique(labels)}
        predecessor = _shortest_retainers(graph)
        paths = []
        for name in names:
            if name not in wanted:
                continue
            ordinals = np.flatnonzero(labels == wanted[name])[-per_name:][::-1]
            for ordinal in ordinals.tolist():
                steps = _path(graph, predecessor, ordinal, depth)
                if steps:
                    paths.append({"type": name, "path": steps})
        return paths


def _decode(parts: list[str]) -> str:
    raw = "".join(parts)
    try:
        text = json.loads(f'"{raw}"')
    except ValueError:
        text = raw
    return text if len(text) <= MAX_STRING_KEPT else text[: MAX_STRING_KEPT - 1] + "…"


def _node_labels(graph: _Graph) -> np.ndarray:
    """A grouping key per node: name index for named types, -(type + 1) for the rest.

    Closures are kept apart from objects of the same name (class `Marker` is a closure named
    Marker beside its instances): their key is offset by CLOSURE_KEY.
    """
    types = graph.node_types
    named = np.isin(graph.node_type, [i for i, t in enumerate(types) if t in NAMED_TYPES])
    key = graph.node_name.astype(np.int64)
    if "closure" in types:
        key = np.where(graph.node_type == types.index("closure"), key + CLOSURE_KEY, key)
    return np.where(named, key, -(graph.node_type.astype(np.int64) + 1))


def _label_name(graph: _Graph, key: int) -> str:
    """A census row's name: the type in parentheses, or the name; "f()" for closures."""
    if key < 0:
        return f"({graph.node_types[-key - 1]})"
    if key >= CLOSURE_KEY:
        return f"{graph.strings.get(key - CLOSURE_KEY) or '(anonymous)'}()"
    return graph.strings.get(key) or "(anonymous)"


def _shortest_retainers(graph: _Graph) -> np.ndarray:
    """Predecessor of every node on a shortest path from the root (node 0) over strong edges."""
    count = len(graph.node_type)
    owners = np.repeat(np.arange(count, dtype=np.int64), np.diff(graph.edge_offset))
    weak = graph.edge_types.index("weak") if "weak" in graph.edge_types else -1
    strong = graph.edge_type != weak
    matrix = csr_matrix(
        (np.ones(int(strong.sum()), dtype=np.int8), (owners[strong], graph.edge_to[strong])),
        shape=(count, count),
    )
    _, predecessor = breadth_first_order(matrix, 0, directed=True, return_predecessors=True)
    return predecessor


def _path(graph: _Graph, predecessor: np.ndarray, ordinal: int, depth: int) -> list[str]:
    """The last `depth` steps of the root's shortest path to `ordinal`: holder, edge, object."""
    chain = [ordinal]
    while len(chain) <= depth and predecessor[chain[-1]] > 0:
        chain.append(int(predecessor[chain[-1]]))
    if predecessor[chain[-1]] < 0 and chain[-1] != 0:
        return []  # not reachable over strong edges: garbage the collector has not taken yet
    chain.reverse()
    steps = [_node_text(graph, chain[0])]
    for parent, child in pairwise(chain):
        steps.append(f"{_edge_label(graph, parent, child)} {_node_text(graph, child)}")
    return steps


def _edge_label(graph: _Graph, parent: int, child: int) -> str:
    start, end = graph.edge_offset[parent], graph.edge_offset[parent + 1]
    hits = np.flatnonzero(graph.edge_to[start:end] == child)
    if hits.size == 0:
        return "->"
    edge = int(start + hits[0])
    kind = graph.edge_types[graph.edge_type[edge]]
    name = int(graph.edge_name[edge])
    if kind in REFERENCE_EDGES:
        return f"--{graph.strings.get(name, '?')}-->"
    if kind in LABELLED_EDGES:
        return f"--({graph.strings.get(name, '?')})-->"
    return f"--[{name}]-->"


def _node_text(graph: _Graph, ordinal: int) -> str:
    kind = graph.node_types[graph.node_type[ordinal]]
    if kind in NAMED_TYPES or kind == "synthetic":
        return f"{graph.strings.get(int(graph.node_name[ordinal]), '?')} ({kind})"
    return f"({kind})"
