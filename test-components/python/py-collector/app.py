"""py-collector: test:card/collector in Python, calling its sockets `one`
(exactly-one), `maybe` (at-most-one) and `many` (any) in the socket ABI, each
provider error rendered as "<kind>: <message>" like the Rust guest `collector`."""
from typing import List, Optional, Tuple

from componentize_py_types import Err, Ok, Result
from wit_world import exports
from wit_world.imports import many, maybe, one, types

KINDS = {
    types.ProviderError_Trapped: "trapped",
    types.ProviderError_Unavailable: "unavailable",
    types.ProviderError_LimitExceeded: "limit-exceeded",
    types.ProviderError_ReentrantCall: "reentrant-call",
    types.ProviderError_BadHandle: "bad-handle",
}


def render(e: types.ProviderError) -> str:
    return f"{KINDS[type(e)]}: {e.value}"


def rendered(r: Result) -> Result:
    return Err(render(r.value)) if isinstance(r, Err) else r


class Collector(exports.Collector):
    def call_one(self, name: str) -> str:
        try:
            return one.greet(name)
        except Err as e:
            raise Err(render(e.value))

    def call_maybe(self, name: str) -> Optional[Result[str, str]]:
        answer = maybe.greet(name)
        return None if answer is None else rendered(answer)

    def call_many(self, name: str) -> List[Tuple[str, Result[str, str]]]:
        return [(plugin, rendered(r)) for plugin, r in many.greet(name)]

    def notify_many(self, msg: str) -> List[Tuple[str, Result[None, str]]]:
        return [(plugin, rendered(r)) for plugin, r in many.notify(msg)]
