"""The voice line's URLs. All call state travels in them: language, node and misses.

They are relative: Twilio resolves them against the URL it just called, so they keep
the public host and scheme that the signature was computed over.
"""

VOICE = "/voice"


def language_choice(miss: int = 0, second_page: bool = False) -> str:
    return f"{VOICE}/language?miss={miss}" + ("&page=2" if second_page else "")


def node_input(lang: str, node_id: str, miss: int = 0, part: int = 0, start: int = 0) -> str:
    """`part`: which <Gather> of an answer the key was pressed in; `start`: the part the
    answer began with (see voice._parts)."""
    return f"{VOICE}/{lang}/{node_id}/input?miss={miss}" + _parts(part, start)


def dialed(lang: str, node_id: str) -> str:
    return f"{VOICE}/{lang}/{node_id}/dialed"


def failed_input(lang: str, node_id: str, miss: int = 0, part: int = 0, start: int = 0) -> str:
    return f"{VOICE}/{lang}/{node_id}/failed?miss={miss}" + _parts(part, start)


def _parts(part: int, start: int) -> str:
    return (f"&part={part}" if part else "") + (f"&from={start}" if start else "")


def connect(lang: str, node_id: str) -> str:
    """After the miss limit or an error: the key that puts the caller through to node_id."""
    return f"{VOICE}/{lang}/{node_id}/connect"
