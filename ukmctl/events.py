"""`ukm events`: the domain events in a JetStream stream, decoded (operators, demos)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from google.protobuf import json_format, symbol_database
from nats.js.api import ConsumerConfig, DeliverPolicy

from mesh.running import running_state


async def print_events(root: Path, stream: str, *, follow: bool) -> int:
    """Print every event of `stream` (and new ones with `follow`) as one JSON line each."""
    import nats
    import ukm.requests.v1.events_pb2  # noqa: F401  (registers the event types for decoding)
    from ukm.events.v1 import envelope_pb2

    state = running_state(root)
    if state is None:
        return 1
    url = state["urls"]["nats"]
    client = await nats.connect(url)
    js = client.jetstream()
    subscription = await js.subscribe(
        "ukm.>",
        stream=stream,
        ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    pending = (await js.stream_info(stream)).state.messages
    try:
        while follow or pending > 0:
            try:
                message = await subscription.next_msg(timeout=1 if not follow else 3600)
            except TimeoutError:
                break
            pending -= 1
            envelope = envelope_pb2.Envelope.FromString(message.data)
            data_type = envelope.data.TypeName()
            event = symbol_database.Default().GetSymbol(data_type)()
            envelope.data.Unpack(event)
            line = json.dumps(
                {
                    "subject": message.subject,
                    "seq": message.metadata.sequence.stream,
                    "id": envelope.id,
                    "type": envelope.type,
                    "aggregate": envelope.subject,
                    "time": envelope.time.ToJsonString(),
                    "data": json_format.MessageToDict(event),
                },
                ensure_ascii=False,
            )
            try:
                print(line, flush=True)
            except BrokenPipeError:  # `ukm events | head`: the reader has seen enough
                # Point stdout at /dev/null so the interpreter's final flush stays quiet.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                break
    finally:
        await client.close()
    return 0
