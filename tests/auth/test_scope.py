"""Scope: every role sees exactly the plants (and their consumers) it works on,
through every path: lists, search, node, nodes and nested fields."""

from __future__ import annotations

import pytest

from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World

# Which of the world's plants (by index) each user may see.
VISIBLE_PLANTS = {
    "admin": {0, 1, 2, 3},
    "state1": {0, 1, 2},
    "state2": {3},
    "cluster1": {0, 1},
    "cluster2": {2},
    "csa1": {0},
    "csa3": {2},
    "tech1": {0, 1},
    "tech4": {3},
    "operator1": {0},
}

PLANTS = "{ plants(first: 100) { totalCount edges { node { id } } } }"
CONSUMERS = """
query($filter: ConsumerFilter) {
  consumers(filter: $filter, first: 100) { totalCount edges { node { id plant { id } } } }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Consumer { name } ... on Plant { code } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"


def plant_ids(world: World, indexes: set[int]) -> set[str]:
    return {encode_id("Plant", world.plants[i].id or 0) for i in indexes}


def consumer_ids(world: World, indexes: set[int]) -> set[str]:
    return {
        encode_id("Consumer", consumer.id or 0)
        for i in indexes
        for consumer in world.plant_consumers(i)
    }


@pytest.mark.parametrize("user", sorted(VISIBLE_PLANTS))
async def test_lists_show_only_plants_and_consumers_in_scope(
    client: GraphQLClient, world: World, user: str
) -> None:
    token = world.token(user)
    visible = VISIBLE_PLANTS[user]

    plants = (await client.data(PLANTS, token=token))["plants"]
    assert {e["node"]["id"] for e in plants["edges"]} == plant_ids(world, visible)
    assert plants["totalCount"] == len(visible)

    consumers = (await client.data(CONSUMERS, token=token))["consumers"]
    assert {e["node"]["id"] for e in consumers["edges"]} == consumer_ids(world, visible)
    assert consumers["totalCount"] == len(consumer_ids(world, visible))


@pytest.mark.parametrize("user", sorted(VISIBLE_PLANTS))
async def test_node_and_nodes_hide_what_is_out_of_scope(
    client: GraphQLClient, world: World, user: str
) -> None:
    token = world.token(user)
    visible = VISIBLE_PLANTS[user]
    everything = set(range(len(world.plants)))
    for ids in (plant_ids(world, everything), consumer_ids(world, everything)):
        for global_id in ids:
            node = (await client.data(NODE, {"id": global_id}, token=token))["node"]
            expected = global_id in plant_ids(world, visible) | consumer_ids(world, visible)
            assert (node is not None) == expected, (user, global_id)
    all_ids = sorted(plant_ids(world, everything) | consumer_ids(world, everything))
    nodes = (await client.data(NODES, {"ids": all_ids}, token=token))["nodes"]
    assert {n["id"] for n in nodes if n} == plant_ids(world, visible) | consumer_ids(world, visible)
    assert len(nodes) == len(all_ids)


async def test_search_never_reaches_other_plants(client: GraphQLClient, world: World) -> None:
    outsider = world.plant_consumers(3)[0]  # plant4, state2
    token = world.token("csa1")
    for search in (outsider.account_number, outsider.name, outsider.phone[-6:]):
        data = await client.data(CONSUMERS, {"filter": {"search": search}}, token=token)
        assert data["consumers"]["edges"] == [], search
    # Asking for the foreign plant explicitly gives nothing either.
    foreign_plant = encode_id("Plant", world.plants[3].id or 0)
    data = await client.data(CONSUMERS, {"filter": {"plantIds": [foreign_plant]}}, token=token)
    assert data["consumers"]["edges"] == []
    # Whereas the state in-charge of that plant finds the consumer by each key.
    for search in (outsider.account_number, outsider.name, outsider.phone[-6:]):
        data = await client.data(
            CONSUMERS, {"filter": {"search": search}}, token=world.token("state2")
        )
        assert [e["node"]["id"] for e in data["consumers"]["edges"]] == [
            encode_id("Consumer", outsider.id or 0)
        ]


async def test_nested_fields_respect_scope(client: GraphQLClient, world: World) -> None:
    # Two documents: all of it in one would exceed the query cost limit (three nested
    # lists, each assumed to hold 20, times a page of 100 consumers).
    tree = "{ states { clusters { plants { id } } } }"
    data = await client.data(tree, token=world.token("csa1"))
    seen_plants = {
        plant["id"]
        for state in data["states"]
        for cluster in state["clusters"]
        for plant in cluster["plants"]
    }
    pages = """
    { plants(first: 100) { edges { node { consumers(first: 100) { edges { node { id } } } } } } }
    """
    data = await client.data(pages, token=world.token("csa1"))
    seen_consumers = {
        edge["node"]["id"]
        for plant in data["plants"]["edges"]
        for edge in plant["node"]["consumers"]["edges"]
    }
    assert seen_plants == plant_ids(world, {0})
    assert seen_consumers == consumer_ids(world, {0})


async def test_users_list_shows_colleagues_in_scope(client: GraphQLClient, world: World) -> None:
    query = "{ users(first: 100) { edges { node { email } } } }"

    async def emails(user: str) -> set[str]:
        data = await client.data(query, token=world.token(user))
        return {e["node"]["email"] for e in data["users"]["edges"]}

    def of(*names: str) -> set[str]:
        return {world.users[name].email or "" for name in names}

    # At plant1: csa1, tech1, operator1, the inactive CSA; its cluster and state in-charges.
    assert await emails("csa1") == of(
        "csa1", "tech1", "operator1", "inactive", "cluster1", "state1"
    )
    assert await emails("tech4") == of("tech4", "state2")
    assert await emails("admin") == {u.email for u in world.users.values()}
    other_state_user = encode_id("User", world.users["tech4"].id or 0)
    node = await client.data(NODE, {"id": other_state_user}, token=world.token("csa1"))
    assert node["node"] is None
