"""py-plain-mid: test:chain/mid in Python, calling test:chain/bottom in its own
(plain) form: depth = bottom.depth + 1, trace(s) = bottom.trace(s + ">py-mid").
A provider failure is not a value here: it fails this plugin's call."""
from wit_world import exports
from wit_world.imports import bottom


class Mid(exports.Mid):
    def depth(self) -> int:
        return bottom.depth() + 1

    def trace(self, s: str) -> str:
        return bottom.trace(s + ">py-mid")
