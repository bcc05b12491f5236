"""title: a filter in Python, every word capitalized (componentize-py)."""
from wit_world import exports


class Filter(exports.Filter):
    def apply(self, text: str) -> str:
        return text.title()
