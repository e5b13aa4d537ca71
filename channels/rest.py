"""Rasa's REST channel, hardened for the public web, at the same URL (/webhooks/rest/webhook).

Differences from rasa.core.channels.rest.RestInput, each one a bad-input rule of the project:
- the body must be a JSON object with a string `sender` (1-128 characters) and a string `message`;
  anything else is a clean 400, an over-large body a 413, never a 5xx;
- control characters are removed and an empty or whitespace-only message is a 400;
- leading slashes are removed, so a visitor cannot trigger an intent, reset a conversation or set a
  slot by typing Rasa's `/intent{...}` syntax;
- only the `region` key of the client's metadata is kept (privacy: nothing else is stored);
- every reply carries its answer key, sources and review record from the answer bank, which Rasa's
  own REST channel drops, so the web chat can show them;
- message text is never written to the logs.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any, Awaitable, Callable, Dict, List, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bank.fingerprint import fingerprint
from bank.review import instance_of, is_template, parse_signature, review_matches

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 20_000
MAX_SENDER_CHARS = 128
_KEPT_METADATA = ("region",)
_LEADING_SLASHES = re.compile(r"^[\s/]+")


class BadRequest(ValueError):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def clean_text(text: str) -> str:
    """Drop control characters (keeping line breaks and tabs) and Rasa's leading `/` syntax."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return _LEADING_SLASHES.sub("", kept).strip()


def sender_problem(sender: Any) -> str | None:
    """Why `sender` cannot be a conversation id, or None. Also guards the staff console's lookups."""
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"`sender` must be a string of 1 to {MAX_SENDER_CHARS} characters."
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in sender):
        # a lone surrogate cannot be stored (and Rasa's SQL store exits on that error); NUL breaks PostgreSQL
        return "`sender` must not contain control characters."
    return None


def parse_body(raw: bytes) -> Tuple[str, str, Dict[str, Any]]:
    """Validate one webhook body; returns (sender, text, metadata) or raises BadRequest."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(413, "body_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(raw.decode("utf-8") if raw else "")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[..." thousands deep
        raise BadRequest(400, "invalid_json", "The request body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise BadRequest(400, "invalid_json", "The request body must be a JSON object.")
    sender, text = body.get("sender"), body.get("message")
    problem = sender_problem(sender)
    if problem:
        raise BadRequest(400, "invalid_sender", problem)
    if not isinstance(text, str):
        raise BadRequest(400, "invalid_message", "`message` must be a string.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadRequest(413, "message_too_long", f"`message` is longer than {MAX_MESSAGE_CHARS} characters.")
    text = clean_text(text)
    if not text:
        raise BadRequest(400, "empty_message", "`message` is empty.")
    metadata = body.get("metadata")
    kept = {}
    if isinstance(metadata, dict):
        kept = {k: metadata[k] for k in _KEPT_METADATA if isinstance(metadata.get(k), str)}
    return sender.strip(), text, kept


def answer_key(utter_action: str | None, metadata: Dict[str, Any] | None) -> str | None:
    """A reply's answer key: the variant's own `answer_key` (comparisons, clarify), else the response name."""
    own = (metadata or {}).get("answer_key")
    if isinstance(own, str) and own:
        return own
    if utter_action:
        return utter_action[len("utter_") :] if utter_action.startswith("utter_") else utter_action
    return None


# Reviewed templates (responses with {slots}) by their fingerprint: what a filled-in reply is checked against.
# server/app.py registers the loaded model's; otherwise the bank on disk is read once.
_templates: Dict[str, Dict[str, Any]] | None = None


def register_responses(responses: Dict[str, List[Dict[str, Any]]]) -> None:
    global _templates
    _templates = {
        fingerprint(v): v
        for variants in responses.values()
        for v in variants or []
        if is_template(v) and review_matches(v)
    }


def _reviewed_templates() -> Dict[str, Dict[str, Any]]:
    if _templates is None:
        from bank.loader import load_bank

        register_responses(load_bank().responses)
    return _templates or {}


def review_for_sent(message: Dict[str, Any], bank: Dict[str, Any]) -> Dict[str, Any]:
    """The review record only if it is bound to the words actually sent (or, for a template, to the template
    they fill in); else a void marker: never a review date on text nobody reviewed, and a clinical signature
    only if bound to the same words."""
    review = bank.get("review") if isinstance(bank.get("review"), dict) else {}
    text, buttons = message.get("text", ""), message.get("buttons") or []
    said = fingerprint({"text": text, "buttons": buttons, "metadata": bank})
    if review.get("text_sha256") != said:
        template = _reviewed_templates().get(str(review.get("text_sha256")))
        if template is None or not instance_of(template, text, [b.get("title", "") for b in buttons]):
            return {"status": "void", "detail": "This text does not match its review."}
        said = review["text_sha256"]
    signed = parse_signature(review.get("clinical_review"))
    if signed is not None and signed.fingerprint != said:
        return {**review, "clinical_review": "pending"}
    return review


class AnswerCollector(CollectingOutputChannel):
    """Collects replies like Rasa's REST channel, plus each answer's bank metadata.

    One bank entry is one message: unlike Rasa's collector, text is not split at blank lines.
    """

    @staticmethod
    def _with_bank(message: Dict[str, Any], kwargs: Dict[str, Any]) -> Dict[str, Any]:
        bank = dict(kwargs.get("metadata") or {})
        key = answer_key(kwargs.get("utter_action"), bank)
        if key:
            bank["answer_key"] = key
        if "review" in bank:
            bank["review"] = review_for_sent(message, bank)
        if bank:
            message["metadata"] = bank
        return message

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._with_bank(self._message(recipient_id, text=text), kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        message = self._message(recipient_id, text=text, buttons=buttons)
        await self._persist_message(self._with_bank(message, kwargs))


def _error(error: BadRequest) -> HTTPResponse:
    return response.json({"error": error.code, "detail": error.detail}, status=error.status)


class SafeRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_body(request.body or b"")
            except BadRequest as error:
                return _error(error)
            collector = AnswerCollector()
            message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata or None)
            try:
                await on_new_message(message)
            except Exception:  # never log the visitor's words
                logger.exception("Handling a message failed (sender hash %s).", hash(sender))
                return response.json(
                    {"error": "unavailable", "detail": "The assistant could not answer. Please try again."},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook

    def get_metadata(self, request: Request) -> Dict[str, Any] | None:
        return None
