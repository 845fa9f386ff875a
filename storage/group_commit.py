"""Group commit: calls that arrive while a write is in flight are written together, in one
transaction, by the next write. Nothing waits on a timer: the first call is written at once,
and the calls that pile up behind it make the next batch, so batches grow with the load."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 500


class GroupCommit(Generic[T, R]):
    """`await batched(item)` gives `write([..., item, ...])`'s answer for `item`; a failed write
    fails every call in its batch."""

    def __init__(self, write: Callable[[list[T]], Awaitable[Sequence[R]]], max_batch: int = MAX_BATCH) -> None:
        self._write = write
        self._max = max_batch
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max], self._queue[self._max:]
            try:
                answers = await self._write([item for item, _ in batch])
            except BaseException as error:  # noqa: BLE001  (handed to every caller of the batch)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error if isinstance(error, Exception) else RuntimeError(repr(error)))
                if not isinstance(error, Exception):
                    raise
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
