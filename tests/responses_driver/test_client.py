"""The Responses endpoints of `AssistantsClient`, against the mock server."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

import assistants_events as ae
from assistants_events.responses import models as m
from assistants_events.responses.client import ResponseDeleted
from assistants_events.testing import Faults, MockAssistantsServer

from .helpers import client_for, wait_status


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


@pytest.fixture
async def client(server: MockAssistantsServer) -> AsyncIterator[ae.AssistantsClient]:
    async with client_for(server) as c:
        yield c


async def test_create_response_answers_the_finished_typed_response(
    client: ae.AssistantsClient,
) -> None:
    response = await client.create_response(model="gpt-4.1", input="hi there")
    assert isinstance(response, m.Response)
    assert (response.status, response.output_text) == ("completed", "Echo: hi there")


async def test_parameters_left_none_are_not_sent(
    client: ae.AssistantsClient, server: MockAssistantsServer
) -> None:
    # The mock refuses unknown parameters and `previous_response_id` + `conversation`
    # together: both None here, so neither is sent.
    response = await client.create_response(
        model="gpt-4.1", input="x", temperature=None, previous_response_id=None, conversation=None
    )
    assert server.responses[response.id]["previous_response_id"] is None


async def test_extra_parameters_go_into_the_body(
    client: ae.AssistantsClient, server: MockAssistantsServer
) -> None:
    response = await client.create_response(model="gpt-4.1", input="x", top_logprobs=2,
                                            metadata={"k": "v"})  # fmt: skip
    assert server.responses[response.id]["metadata"] == {"k": "v"}


async def test_an_unknown_parameter_is_the_servers_typed_400(client: ae.AssistantsClient) -> None:
    with pytest.raises(ae.BadRequestError, match="no_such_parameter"):
        await client.create_response(model="gpt-4.1", input="x", no_such_parameter=1)


async def test_stream_response_is_an_event_stream_a_handler_consumes(
    client: ae.AssistantsClient,
) -> None:
    async with await client.stream_response(model="gpt-4.1", input="a b") as stream:
        result = await ae.EventHandler().consume(stream)
    assert result.text == "Echo: a b" and result.done


async def test_retrieve_response_streams_a_background_response_from_a_point(
    client: ae.AssistantsClient, server: MockAssistantsServer
) -> None:
    created = await client.create_response(model="gpt-4.1", input="a b c", background=True)
    assert created.status == "queued"
    await wait_status(server, created.id, "completed")
    async with await client.retrieve_response(created.id, stream=True,
                                              starting_after=3) as stream:  # fmt: skip
        body = b"".join([chunk async for chunk in stream])
    numbers = [json.loads(e.data)["sequence_number"] for e in ae.SSEDecoder().feed(body)]
    played = [data["sequence_number"] for _, data in server.response_events(created.id)]
    assert numbers == played[4:]


async def test_retrieve_response_without_stream_is_the_response(
    client: ae.AssistantsClient,
) -> None:
    created = await client.create_response(model="gpt-4.1", input="hello")
    fetched = await client.retrieve_response(created.id)
    assert fetched == created


async def test_starting_after_without_stream_is_refused(client: ae.AssistantsClient) -> None:
    with pytest.raises(ValueError, match="needs stream=True"):
        await client.retrieve_response("resp_1", starting_after=3)  # type: ignore[call-overload]


async def test_cancel_response_cancels_a_background_response(
    client: ae.AssistantsClient, server: MockAssistantsServer
) -> None:
    server.inject(Faults(stall_after=3, stall_seconds=30))
    created = await client.create_response(model="gpt-4.1", input="x", background=True)
    await client.cancel_response(created.id)
    assert server.cancelled == [created.id]
    assert await wait_status(server, created.id, "cancelled") == "cancelled"


async def test_cancel_of_a_foreground_response_is_a_bad_request(
    client: ae.AssistantsClient,
) -> None:
    created = await client.create_response(model="gpt-4.1", input="x")
    with pytest.raises(ae.BadRequestError):
        await client.cancel_response(created.id)


async def test_delete_response_then_retrieving_it_is_not_found(
    client: ae.AssistantsClient,
) -> None:
    created = await client.create_response(model="gpt-4.1", input="x")
    deleted = await client.delete_response(created.id)
    assert deleted == ResponseDeleted(created.id, "response", True)
    with pytest.raises(ae.NotFoundError):
        await client.retrieve_response(created.id)


async def test_list_input_items_pages_what_the_request_sent(client: ae.AssistantsClient) -> None:
    items: Any = [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}]
    created = await client.create_response(model="gpt-4.1", input=items)
    page = await client.list_input_items(created.id, limit=1, order="asc")
    assert len(page.data) == 1 and page.has_more
    rest = await client.list_input_items(created.id, order="asc", after=page.last_id)
    texts = [str(item.get("content")) for item in [*page.data, *rest.data]]
    assert "one" in texts[0] and "two" in texts[1]


@pytest.mark.parametrize("method", ["create_response", "stream_response"])
def test_explicit_parameters_are_the_apis_own_names(method: str) -> None:
    from openai.types.responses.response_create_params import ResponseCreateParamsBase

    ours = set(inspect.signature(getattr(ae.AssistantsClient, method)).parameters)
    ours -= {"self", "extra", "retry_sent"}
    assert ours <= set(ResponseCreateParamsBase.__annotations__), ours


def test_both_create_endpoints_take_the_same_parameters() -> None:
    def names(method: Any) -> list[str]:
        return list(inspect.signature(method).parameters)

    client = ae.AssistantsClient
    assert names(client.create_response) == names(client.stream_response)
