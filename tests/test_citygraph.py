from __future__ import annotations

import networkx as nx
import pytest

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import ValidationError
from redwuye_graph.schema import Label, RelType


def _small() -> CityGraph:
    city = CityGraph()
    city.add_node(Label.DISTRICT, "D1", name="金水区")
    city.add_node(Label.STREET, "S1", name="花园路街道")
    city.add_node(Label.COMMUNITY, "C1", name="绿云社区")
    city.add_node(Label.ESTATE, "E1", name="绿云小区", households=800, old=True, fee_level=0.6)
    city.add_node(Label.PERSON, "P1", name="朱兰英", party_member=True)
    city.add_node(Label.OWNERS_COMMITTEE, "O1", name="绿云业委会")
    city.add_rel(RelType.IN_DISTRICT, "S1", "D1")
    city.add_rel(RelType.IN_STREET, "C1", "S1")
    city.add_rel(RelType.IN_COMMUNITY, "E1", "C1")
    city.add_rel(RelType.COMMITTEE_OF, "O1", "E1")
    city.add_rel(RelType.MEMBER_OF, "P1", "O1", role="chair")
    return city


def test_valid_graph_has_no_problems() -> None:
    assert _small().validate() == []


def test_wrong_kinds_unknown_role_and_cardinality_are_all_reported() -> None:
    city = _small()
    city.add_rel(RelType.IN_COMMUNITY, "E1", "S1")  # estate in a street: wrong kind, and twice
    city.add_rel(RelType.MEMBER_OF, "P1", "C1", role="chair")  # a community has no members
    city.props("P1")["party_member"] = "yes"  # wrong type
    city.add_node(Label.STREET, "S2", name="orphan street")  # no IN_DISTRICT
    messages = [str(p) for p in city.validate()]
    assert any("IN_COMMUNITY cannot join Estate E1 to Street S1" in m for m in messages)
    assert any("has 2 IN_COMMUNITY" in m for m in messages)
    assert any("MEMBER_OF cannot join Person P1 to Community C1" in m for m in messages)
    assert any("'party_member'" in m and "'yes' is not true or false" in m for m in messages)
    assert any("Street S2 has no IN_DISTRICT" in m for m in messages)
    with pytest.raises(ValidationError) as err:
        city.check()
    assert len(err.value.problems) == len(messages)


def test_unknown_role_names_the_allowed_ones() -> None:
    city = _small()
    city.add_rel(RelType.MEMBER_OF, "P1", "O1", role="boss")
    (problem,) = city.validate()
    assert problem.field == "role"
    assert "chair, member, vice_chair" in problem.message


def test_rel_to_unknown_node_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown node 'X'"):
        _small().add_rel(RelType.IN_COMMUNITY, "E1", "X")


def test_tables_and_networkx_round_trip(tiny_city: CityGraph) -> None:
    nodes, rels = tiny_city.to_tables()
    assert set(nodes[Label.ESTATE].columns) == {"id", "name", "households", "old", "fee_level"}
    assert CityGraph.from_tables(nodes, rels) == tiny_city
    g = tiny_city.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["E000001"]["label"] == "Estate"
    assert CityGraph.from_networkx(g) == tiny_city


def test_equality_notices_a_changed_property(tiny_city: CityGraph) -> None:
    other = CityGraph.from_networkx(tiny_city.to_networkx())
    other.props("E000001")["households"] += 1
    assert other != tiny_city
    (difference,) = tiny_city.diff(other)
    assert difference.startswith("node E000001:")


def test_copy_is_independent(tiny_city: CityGraph) -> None:
    other = tiny_city.copy()
    assert other == tiny_city
    other.props("E000001")["households"] += 1
    other.add_node(Label.DISTRICT, "D99", name="新区")
    assert other != tiny_city
    assert "D99" not in tiny_city
