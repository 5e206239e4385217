from tests.conftest import GraphQLClient
from tests.factories import World


async def test_me(client: GraphQLClient, world: World) -> None:
    data = await client.data("{ me { name role plants { name } } }", token=world.token("csa1"))
    assert data["me"]["role"] == "CSA"
