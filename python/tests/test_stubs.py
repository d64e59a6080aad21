"""The committed type stubs say what the installed package does."""

import os
import sys

import gnnrec

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))


def test_the_model_stubs_are_generated_from_todays_registry():
    import gen_stubs

    with open(os.path.join(HERE, "..", "gnnrec", "__init__.pyi")) as f:
        committed = f.read()
    assert committed == gen_stubs.render(
        gnnrec.models(),
        {m["name"]: gnnrec.model_class(m["name"]).__name__ for m in gnnrec.models()},
    ), "run: python python/tools/gen_stubs.py"
    import ast

    ast.parse(committed)  # valid Python


def test_every_public_name_has_a_docstring():
    for name in gnnrec.__all__:
        obj = getattr(gnnrec, name)
        if callable(obj) or isinstance(obj, type(gnnrec)):
            assert obj.__doc__, name
    for cls in (gnnrec.Dataset, gnnrec.Model):
        for attr, value in vars(cls).items():
            if not attr.startswith("_") and (callable(value) or isinstance(value, property)):
                assert value.__doc__, f"{cls.__name__}.{attr}"
