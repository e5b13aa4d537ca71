"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

Rasa's RedisLockStore (3.6) reads a conversation's ticket lock, changes it in Python and writes it back.
Two replicas that take a ticket for one conversation at the same moment can both read "no lock", both
write ticket 0 and both go ahead; the tracker store then keeps only one of the two turns. That happens
when a visitor's message is sent again while the first is still being answered (a retry after a time-out,
a double submit, an API client): 2 of 30 simultaneous pairs in tests/cluster's measurement. Here each
read-change-write is one Redis transaction (WATCH/MULTI/EXEC), retried if another process changed the
lock in between, so tickets are never lost or given twice. Rasa's ticket order (first come, first
served) and its lock format stay as they are. A message that waits for the one before it checks the
lock every 50 ms rather than every second, so a double submit is answered without a one-second stall.

endpoints: `lock_store: {type: cluster.lock_store.AtomicRedisLockStore, url: ..., port: ..., password: ...}`
"""

from __future__ import annotations

import json
from typing import Any, AsyncContextManager, Callable, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import WatchError

T = TypeVar("T")
WAIT_SECONDS = 0.05  # Rasa's default is 1 s between two looks at a busy conversation's lock
Change = Callable[[TicketLock | None], Tuple[T, TicketLock | None]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds custom lock stores from their endpoint config; RedisLockStore takes plain arguments.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = WAIT_SECONDS
    ) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def _change(self, conversation_id: str, change: Change) -> T:
        """Apply `change` to the stored lock atomically; it returns (result, lock to save or None to delete)."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    current = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, new = change(current)
                    pipe.multi()
                    if new is not None:
                        pipe.set(key, new.dumps())
                    elif current is not None:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except WatchError:  # another process changed this lock after we read it: read it again
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: TicketLock | None) -> Tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, take)
        except Exception as error:  # as Rasa's issue_ticket: the caller handles LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> Tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> Tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; delete the lock when no one else holds a ticket (one transaction)."""

        def release(lock: TicketLock | None) -> Tuple[None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        self._change(conversation_id, release)
