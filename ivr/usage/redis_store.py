"""The usage counts in Redis, for instances on several machines behind one number.

A hash a day (`usage:day:2026-12-07`), a field a row, added to with HINCRBY; one hash for
the hours of the week; a call's place under `usage:call:<keyed hash>`, with an EXPIRE of
two hours that Redis keeps whatever happens. Each worker's batch is one round trip (a pipeline).
A Redis that does not answer within half a second costs the count, not the call.
"""

from __future__ import annotations

import json
from datetime import date

import redis

from ivr.usage.rows import Count, HourCount, Key
from ivr.usage.tally import CALL_SECONDS, Batch, Place

PREFIX = "usage:"
DAY = PREFIX + "day:"
HOURS = PREFIX + "hours"
CALL = PREFIX + "call:"


class RedisStore:
    def __init__(self, url: str, timeout: float = 0.5) -> None:
        # redis-py connects at the first command, and again in each forked worker.
        self.client = redis.Redis.from_url(url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)
        kwargs = self.client.connection_pool.connection_kwargs
        self.where = f"Redis at {kwargs.get('host') or kwargs.get('path')}:{kwargs.get('port', '')}"

    def add(self, batch: Batch) -> None:
        pipe = self.client.pipeline(transaction=False)
        for (day, *fields), n in batch.days.items():
            pipe.hincrby(DAY + day.isoformat(), json.dumps(fields), n)
        for key, n in batch.hours.items():
            pipe.hincrby(HOURS, json.dumps(key), n)
        for call, place in batch.places.items():
            pipe.set(CALL + call, json.dumps(place), ex=CALL_SECONDS)
        pipe.execute()

    def end(self, call: str) -> Place | None:
        found = self.client.getdel(CALL + call)
        if found is None:
            return None
        language, node = json.loads(found)
        return language, node

    def read(self, since: date, until: date) -> list[Count]:
        # The days there are, not every day of the range: a report may ask from year 1.
        days = sorted(day for day in self._days() if since <= day <= until)
        pipe = self.client.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(DAY + day.isoformat())
        return [Count(Key(day, *json.loads(field)), int(n))
                for day, rows in zip(days, pipe.execute(), strict=True)
                for field, n in sorted(rows.items())]

    def hours(self) -> list[HourCount]:
        rows = [(*json.loads(field), int(n)) for field, n in self.client.hgetall(HOURS).items()]
        return [HourCount(*row) for row in sorted(rows)]

    def sweep(self, before: date) -> None:
        old = [DAY + day.isoformat() for day in self._days() if day < before]
        if old:
            self.client.delete(*old)

    def _days(self) -> list[date]:
        return [date.fromisoformat(key.decode()[len(DAY):])
                for key in self.client.scan_iter(match=DAY + "*", count=1000)]


    def answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self.client.close()

