"""Parse each message on a worker thread, so the event loop keeps serving other visitors meanwhile.

Rasa runs a message's understanding graph inside the event loop, synchronously: while one message is
parsed, no other visitor's reply is sent or tracker saved. On a worker thread, the parts that let go of
Python's lock (the sentence encoder in onnxruntime, numpy) run on the second core while the loop does
the rest (`make bench`: messages a second with 20 visitors, bench/README.md). One worker: parses stay one
at a time, as before, so no component sees two messages at once.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict

from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

_RASAS = MessageProcessor.parse_message
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")


async def parse_message(
    self: MessageProcessor,
    message: Any,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> Dict[str, Any]:
    if self.http_interpreter:
        return await _RASAS(self, message, tracker, only_output_properties)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    loop = asyncio.get_running_loop()
    parse_data = await loop.run_in_executor(
        _WORKER, self._parse_message_with_graph, message, tracker, only_output_properties
    )
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


def install(on: bool = True) -> None:
    MessageProcessor.parse_message = parse_message if on else _RASAS
