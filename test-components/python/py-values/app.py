"""py-values: test:app/values in Python, answering exactly like the Rust guest `values`."""
from typing import List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.values import (
    Color, Entry, Perms, Shape, Shape_Circle, Shape_Empty, Shape_Rect,
)


class Values(exports.Values):
    def add(self, a: int, b: int) -> int:
        return (a + b) % 2**32

    def echo(self, s: str) -> str:
        return s

    def tag(self, e: Entry, extra: str) -> Entry:
        score = 1 if e.score is None else e.score + 1
        return Entry(name=e.name, tags=e.tags + [extra], score=score)

    def area(self, s: Shape) -> float:
        if isinstance(s, Shape_Circle):
            return 3.0 * s.value * s.value
        if isinstance(s, Shape_Rect):
            return s.value[0] * s.value[1]
        return 0.0

    def checked_div(self, a: int, b: int) -> int:
        if b == 0:
            raise Err("division by zero")
        return a // b

    def find(self, name: str) -> Optional[Color]:
        return {"red": Color.RED, "green": Color.GREEN, "blue": Color.BLUE}.get(name)

    def grant(self, p: Perms) -> Perms:
        return p | Perms.EXEC

    def nothing(self) -> None:
        pass

    def bytes(self, n: int) -> bytes:
        return bytes(i % 256 for i in range(n))
