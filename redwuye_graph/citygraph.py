"""CityGraph: the one in-memory form of a city's Red Property organisation.

A thin, validated layer over a :class:`networkx.MultiDiGraph`. Every node has a
unique string ``id`` and one :class:`~redwuye_graph.schema.Label`; every relationship
has a :class:`~redwuye_graph.schema.RelType` (the edge key, so a pair of nodes has at
most one relationship of each type) and typed properties.

Examples
--------
>>> from redwuye_graph import CityGraph, Label, RelType
>>> city = CityGraph()
>>> city.add_node(Label.DISTRICT, "D01", name="金水区")
>>> city.add_node(Label.STREET, "S001", name="花园路街道")
>>> city.add_rel(RelType.IN_DISTRICT, "S001", "D01")
>>> city.validate()
[]
>>> city.counts()["nodes"]["Street"]
1
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import networkx as nx
import pandas as pd

from redwuye_graph.errors import Problem, ValidationError
from redwuye_graph.schema import (
    INT64_MAX,
    INT64_MIN,
    MAX_ID_CHARS,
    MAX_TEXT_CHARS,
    MEMBER_ROLES,
    NODE_SPECS,
    REL_SPECS,
    Label,
    PropType,
    RelType,
)

__all__ = ["CityGraph", "Origin", "check_value", "id_problem", "joins", "text_problem",
           "value_problem"]

#: Where an element came from: (file, row), used to locate problems.
Origin = tuple[str, int | None]

_PY_TYPES: dict[PropType, tuple[type, ...]] = {
    PropType.STRING: (str,),
    PropType.INT: (int,),
    PropType.FLOAT: (float, int),
    PropType.BOOLEAN: (bool,),
}


#: Relationship types each label must start (e.g. every Estate lies IN_COMMUNITY).
_REQUIRED_OUT: dict[Label, list[RelType]] = {
    label: [t for t, spec in REL_SPECS.items() if label in spec.required_for] for label in Label
}


def check_value(ptype: PropType, value: Any) -> bool:
    """Whether ``value`` is a valid Python value for a property of type ``ptype``."""
    if ptype is not PropType.BOOLEAN and isinstance(value, bool):
        return False
    return isinstance(value, _PY_TYPES[ptype])


class CityGraph:
    """A city's organisation graph: labelled nodes, typed relationships, validation."""

    def __init__(self) -> None:
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        #: Roster provenance of nodes (by id) and relationships (by (start, end, type)).
        self.origins: dict[Any, Origin] = {}

    # -- building ---------------------------------------------------------------
    def add_node(self, label: Label | str, node_id: str, origin: Origin | None = None,
                 **props: Any) -> None:
        """Add (or replace) a node; ``None`` properties are dropped."""
        clean = {k: v for k, v in props.items() if v is not None}
        self.graph.add_node(node_id, label=Label(label), props=clean)
        if origin is not None:
            self.origins[node_id] = origin

    def add_rel(self, rel_type: RelType | str, start: str, end: str,
                origin: Origin | None = None, **props: Any) -> None:
        """Add (or replace) a relationship between two existing nodes."""
        for node_id in (start, end):
            if node_id not in self.graph:
                raise KeyError(f"{rel_type} {start}->{end}: unknown node {node_id!r}")
        rtype = RelType(rel_type)
        clean = {k: v for k, v in props.items() if v is not None}
        self.graph.add_edge(start, end, key=rtype, props=clean)
        if origin is not None:
            self.origins[(start, end, rtype)] = origin

    def copy(self) -> CityGraph:
        """An independent copy: changing it (properties included) leaves this one alone."""
        other = CityGraph()
        # property values are scalars: a new dict per node and relationship is enough
        other.graph.add_nodes_from(
            (node_id, {"label": data["label"], "props": dict(data["props"])})
            for node_id, data in self.graph.nodes(data=True))
        other.graph.add_edges_from(
            (start, end, key, {"props": dict(data["props"])})
            for start, end, key, data in self.graph.edges(keys=True, data=True))
        other.origins = dict(self.origins)
        return other

    # -- reading ----------------------------------------------------------------
    def __contains__(self, node_id: object) -> bool:
        return node_id in self.graph

    def label(self, node_id: str) -> Label:
        """The label of a node."""
        label: Label = self.graph.nodes[node_id]["label"]
        return label

    def props(self, node_id: str) -> dict[str, Any]:
        """The properties of a node (not a copy)."""
        props: dict[str, Any] = self.graph.nodes[node_id]["props"]
        return props

    def nodes(self, label: Label | str | None = None
              ) -> Iterator[tuple[str, Label, dict[str, Any]]]:
        """Yield ``(id, label, props)``, optionally for one label, in insertion order."""
        want = Label(label) if label is not None else None
        for node_id, data in self.graph.nodes(data=True):
            if want is None or data["label"] is want:
                yield node_id, data["label"], data["props"]

    def rels(self, rel_type: RelType | str | None = None
             ) -> Iterator[tuple[str, str, RelType, dict[str, Any]]]:
        """Yield ``(start, end, type, props)``, optionally for one type."""
        want = RelType(rel_type) if rel_type is not None else None
        for start, end, key, data in self.graph.edges(keys=True, data=True):
            if want is None or key is want:
                yield start, end, key, data["props"]

    def out(self, node_id: str, rel_type: RelType) -> list[str]:
        """Ids at the end of ``node_id``'s outgoing relationships of one type."""
        return [end for _, end, key in self.graph.out_edges(node_id, keys=True) if key is rel_type]

    def into(self, node_id: str, rel_type: RelType) -> list[str]:
        """Ids at the start of ``node_id``'s incoming relationships of one type."""
        return [start for start, _, key in self.graph.in_edges(node_id, keys=True)
                if key is rel_type]

    def members(self, body: str, role: str | None = None) -> set[str]:
        """People who are ``MEMBER_OF`` ``body`` (with ``role``, when given)."""
        return {p for p, _, key, data in self.graph.in_edges(body, keys=True, data=True)
                if key is RelType.MEMBER_OF
                and (role is None or data["props"].get("role") == role)}

    def committee(self, host: str, label: Label) -> str | None:
        """The first (by id) body with ``label`` that is ``COMMITTEE_OF`` ``host``, if any."""
        found = sorted(c for c in self.into(host, RelType.COMMITTEE_OF) if self.label(c) is label)
        return found[0] if found else None

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts per node label and per relationship type (zero counts included)."""
        nodes = Counter(str(data["label"]) for _, data in self.graph.nodes(data=True))
        rels = Counter(str(key) for _, _, key in self.graph.edges(keys=True))
        return {
            "nodes": {str(lbl): nodes.get(str(lbl), 0) for lbl in Label},
            "relationships": {str(t): rels.get(str(t), 0) for t in RelType},
        }

    def __len__(self) -> int:
        return int(self.graph.number_of_nodes())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CityGraph):
            return NotImplemented
        return self._canonical() == other._canonical()

    __hash__ = None  # type: ignore[assignment]

    def _canonical(self) -> tuple[dict[str, Any], dict[Any, Any]]:
        nodes = {n: (str(lbl), props) for n, lbl, props in self.nodes()}
        rels = {(s, e, str(t)): props for s, e, t, props in self.rels()}
        return nodes, rels

    def fingerprint(self) -> str:
        """SHA-256 of the graph's content (nodes, labels, relationships, properties),
        independent of insertion order: equal graphs have equal fingerprints."""
        nodes, rels = self._canonical()
        text = json.dumps([sorted(nodes.items()), sorted((list(k), v) for k, v in rels.items())],
                          ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def diff(self, other: CityGraph, limit: int = 10) -> list[str]:
        """Human-readable differences from ``other`` (first ``limit``), for test messages."""
        (na, ra), (nb, rb) = self._canonical(), other._canonical()
        out = [f"node {k}: {na.get(k)} != {nb.get(k)}"
               for k in sorted(set(na) | set(nb)) if na.get(k) != nb.get(k)]
        out += [f"rel {k}: {ra.get(k)} != {rb.get(k)}"
                for k in sorted(set(ra) | set(rb)) if ra.get(k) != rb.get(k)]
        return out[:limit]

    # -- validation -------------------------------------------------------------
    def _where(self, key: Any, fallback: str) -> tuple[str, int | None]:
        origin = self.origins.get(key)
        return (origin[0], origin[1]) if origin else (fallback, None)

    def validate(self, incomplete: Callable[[str, RelType], bool] | None = None
                 ) -> list[Problem]:
        """Every schema problem in the graph (empty list when valid).

        Checks ids, required and typed properties and their bounds (:mod:`schema`),
        value choices, which labels each relationship type may join, roles on
        ``MEMBER_OF``, and cardinality (e.g. each estate lies in exactly one community).
        ``incomplete(node, type)`` says where a reader already reported a rejected
        relationship, so a missing one is not reported again.
        """
        problems: list[Problem] = []
        for node_id, label, props in self.nodes():
            where, row = self._where(node_id, f"{label} {node_id}")
            spec = NODE_SPECS[label]
            if (bad := id_problem(node_id)) is not None:
                problems.append(Problem(where, row, "id", bad))
            problems += _check_props(spec.props, spec.required, props, where, row,
                                     spec.minimum, spec.maximum)
            for prop, allowed in spec.choices.items():
                if isinstance(props.get(prop), str) and props[prop] not in allowed:
                    problems.append(Problem(where, row, prop,
                                            f"{_show(props[prop])} is not one of "
                                            f"{', '.join(sorted(allowed))}"))
            for prop, cap in spec.at_most.items():
                value, top = props.get(prop), props.get(cap)
                if (isinstance(value, int | float) and isinstance(top, int | float)
                        and _is_number(value) and _is_number(top) and value > top):
                    problems.append(Problem(where, row, prop,
                                            f"{value} is more than {cap} ({top})"))

        out_counts: dict[tuple[str, RelType], int] = defaultdict(int)
        for start, end, rtype, props in self.rels():
            rel_spec = REL_SPECS[rtype]
            where, row = self._where((start, end, rtype), f"{rtype} {start}->{end}")
            pair = (self.label(start), self.label(end))
            if pair not in rel_spec.pairs:
                problems.append(Problem(where, row, None,
                                        f"{rtype} cannot join {pair[0]} {start} to "
                                        f"{pair[1]} {end}; it joins {joins(rtype)}"))
            problems += _check_props(rel_spec.props, rel_spec.required_props, props, where, row,
                                     rel_spec.minimum, rel_spec.maximum)
            if rtype is RelType.MEMBER_OF and pair[1] in MEMBER_ROLES:
                role = props.get("role")
                if isinstance(role, str) and role not in MEMBER_ROLES[pair[1]]:
                    problems.append(Problem(where, row, "role",
                                            f"unknown role {_show(role)} for {pair[1]}; "
                                            "allowed: "
                                            f"{', '.join(sorted(MEMBER_ROLES[pair[1]]))}"))
            out_counts[(start, rtype)] += 1

        for (node_id, rtype), count in out_counts.items():
            if REL_SPECS[rtype].one_per_source and count > 1:
                label = self.label(node_id)
                where, row = self._where(node_id, f"{label} {node_id}")
                problems.append(Problem(where, row, None,
                                        f"{label} {node_id} has {count} {rtype} "
                                        "relationships; at most one is allowed"))
        problems += self._affiliation_cycles()
        for node_id, label, _ in self.nodes():
            for rtype in _REQUIRED_OUT[label]:
                if (node_id, rtype) not in out_counts and not (
                        incomplete and incomplete(node_id, rtype)):
                    where, row = self._where(node_id, f"{label} {node_id}")
                    problems.append(Problem(where, row, None,
                                            f"{label} {node_id} has no {rtype} relationship"))
        return problems

    def _affiliation_cycles(self) -> list[Problem]:
        """A party organisation affiliated, through others, to itself."""
        links = nx.DiGraph()
        links.add_edges_from((s, e) for s, e, _, _ in self.rels(RelType.AFFILIATED_TO))
        problems = []
        for group in nx.strongly_connected_components(links):
            if len(group) > 1 or any(links.has_edge(n, n) for n in group):
                first = min(group)
                where, row = self._where((first, self.out(first, RelType.AFFILIATED_TO)[0],
                                          RelType.AFFILIATED_TO), f"PartyOrg {first}")
                problems.append(Problem(where, row, None,
                                        f"AFFILIATED_TO forms a cycle through "
                                        f"{', '.join(sorted(group))}; each organisation must "
                                        "lead up to one at the top"))
        return problems

    def check(self) -> None:
        """Raise :class:`ValidationError` listing every problem, if there are any."""
        problems = self.validate()
        if problems:
            raise ValidationError(problems)

    # -- row tables ---------------------------------------------------------------
    def node_rows(self, label: Label | str) -> list[dict[str, Any]]:
        """One dict per node of ``label`` (``id`` plus its properties), sorted by id."""
        rows = [{"id": n, **props} for n, _, props in self.nodes(label)]
        return sorted(rows, key=lambda r: r["id"])

    def rel_rows(self, rel_type: RelType | str) -> list[dict[str, Any]]:
        """One dict per relationship (``start``, ``end`` plus properties), sorted."""
        rows = [{"start": s, "end": e, **props} for s, e, _, props in self.rels(rel_type)]
        return sorted(rows, key=lambda r: (r["start"], r["end"]))

    def to_tables(self) -> tuple[dict[Label, pd.DataFrame], dict[RelType, pd.DataFrame]]:
        """Row tables: one DataFrame per label and per relationship type.

        Columns follow the schema; missing optional values are ``None``.
        """
        nodes = {lbl: pd.DataFrame(self.node_rows(lbl), columns=list(NODE_SPECS[lbl].props),
                                   dtype=object)
                 for lbl in Label}
        rels = {t: pd.DataFrame(self.rel_rows(t), columns=["start", "end", *REL_SPECS[t].props],
                                dtype=object)
                for t in RelType}
        return nodes, rels

    @classmethod
    def from_tables(cls, nodes: Mapping[Label | str, pd.DataFrame | Iterable[Mapping[str, Any]]],
                    rels: Mapping[RelType | str, pd.DataFrame | Iterable[Mapping[str, Any]]]
                    ) -> CityGraph:
        """Build from row tables as made by :meth:`to_tables` (DataFrames or dict rows)."""
        city = cls()
        for label, table in nodes.items():
            for row in _records(table):
                props = {k: v for k, v in row.items() if k != "id"}
                city.add_node(label, row["id"], **props)
        for rtype, table in rels.items():
            for row in _records(table):
                props = {k: v for k, v in row.items() if k not in ("start", "end")}
                city.add_rel(rtype, row["start"], row["end"], **props)
        return city

    # -- networkx -------------------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """A flat copy for analysis: node attributes ``label`` + properties, edge key = type."""
        g = nx.MultiDiGraph()
        for node_id, label, props in self.nodes():
            g.add_node(node_id, label=str(label), **props)
        for start, end, rtype, props in self.rels():
            g.add_edge(start, end, key=str(rtype), type=str(rtype), **props)
        return g

    @classmethod
    def from_networkx(cls, g: nx.MultiDiGraph) -> CityGraph:
        """Inverse of :meth:`to_networkx`."""
        city = cls()
        for node_id, data in g.nodes(data=True):
            props = {k: v for k, v in data.items() if k != "label"}
            city.add_node(data["label"], node_id, **props)
        for start, end, key, data in g.edges(keys=True, data=True):
            props = {k: v for k, v in data.items() if k != "type"}
            city.add_rel(key, start, end, **props)
        return city


def _records(table: pd.DataFrame | Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    if isinstance(table, pd.DataFrame):
        for row in table.to_dict("records"):
            yield {str(k): (None if _is_missing(v) else v) for k, v in row.items()}
    else:
        for record in table:
            yield dict(record)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: Any) -> str:
    """A value as a person reads it: text quoted, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    return repr(value) if not isinstance(value, list | dict) else type(value).__name__


_TYPE_WORDS = {PropType.STRING: "text", PropType.INT: "a whole number",
               PropType.FLOAT: "a number", PropType.BOOLEAN: "true or false"}


def joins(rtype: RelType) -> str:
    """What a relationship type may join, in words: ``Project → Estate``."""
    by_target: dict[Label, list[Label]] = defaultdict(list)
    for source, target in REL_SPECS[rtype].pairs:
        by_target[target].append(source)
    groups: dict[tuple[Label, ...], list[Label]] = defaultdict(list)
    for target, sources in by_target.items():
        groups[tuple(sorted(sources))].append(target)
    return "; ".join(f"{', '.join(sources)} → {', '.join(sorted(targets))}"
                     for sources, targets in sorted(groups.items()))


#: Unicode categories Cc (C0 and C1 controls) and Cs (lone surrogates).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, limit: int = MAX_TEXT_CHARS) -> str | None:
    """Why a text value is refused (too long, control characters), or None."""
    if len(value) > limit:
        return f"text of {len(value):,} characters; at most {limit:,} are allowed"
    found = _CONTROL.search(value)
    if found is not None:
        return (f"contains the control character U+{ord(found.group()):04X}; remove it "
                "(tabs, line breaks and NUL are not allowed in values)")
    return None


def id_problem(node_id: Any) -> str | None:
    """Why an id is refused (not text, empty, spaces around it, too long, controls), or None."""
    if not isinstance(node_id, str):
        return f"id {_show(node_id)} is not text"
    if not node_id.strip():
        return "empty id"
    if node_id != node_id.strip():
        return f"id {node_id!r} has spaces around it"
    return text_problem(node_id, MAX_ID_CHARS)


def value_problem(ptype: PropType, value: Any, low: float | None = None,
                  high: float | None = None) -> str | None:
    """Why ``value`` is not a valid ``ptype`` value within ``[low, high]``, or None."""
    if not check_value(ptype, value):
        return f"{_show(value)} is not {_TYPE_WORDS[ptype]}"
    if ptype is PropType.STRING:
        return text_problem(value)
    if ptype is PropType.FLOAT and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if ptype is PropType.INT and not INT64_MIN <= value <= INT64_MAX:
        return f"{value} is beyond the 64-bit integer range"
    if low is not None and value < low:
        return f"{value} is below the minimum {low:g}"
    if high is not None and value > high:
        return f"{value} is above the maximum {high:,g}"
    return None


def _check_props(types: Mapping[str, PropType], required: Iterable[str], props: Mapping[str, Any],
                 where: str, row: int | None, minimum: Mapping[str, float],
                 maximum: Mapping[str, float]) -> list[Problem]:
    problems = [Problem(where, row, name, "required value is missing")
                for name in sorted(required) if name != "id" and props.get(name) in (None, "")]
    for name, value in props.items():
        if name not in types:
            allowed = ", ".join(p for p in types if p != "id") or "(none)"
            problems.append(Problem(where, row, name, f"unknown property; allowed: {allowed}"))
        elif (bad := value_problem(types[name], value, minimum.get(name),
                                   maximum.get(name))) is not None:
            problems.append(Problem(where, row, name, bad))
    return problems
