"""py-many: a Python provider of test:card/many."""
from wit_world import exports


class Many(exports.Many):
    def greet(self, name: str) -> str:
        return f"hola, {name}"

    def notify(self, msg: str) -> None:
        pass
