"""The type stubs of the native module (_mscrypt.pyi) against the module itself: every stubbed
function exists with the same parameter names, the same defaulted parameters and a compatible
return type, and every native function is stubbed. pybind11 writes each function's signature on
the first line of its docstring; that is what the stubs are compared with."""

import ast
import re
from pathlib import Path

import pytest

import mscrypt
from mscrypt import _mscrypt

STUB = Path(mscrypt.__file__).with_name("_mscrypt.pyi")
SIG = re.compile(r"^(\w+)\((.*)\) -> (.+)$")

# pybind11 return type -> the stub annotations that match it
RETURNS = {
    "None": ("None",), "bool": ("bool",), "int": ("int",), "bytes": ("bytes",), "str": ("str",),
    "dict": ("Dict",), "bytearray": ("bytearray",), "list": ("List",), "tuple": ("Tuple",),
    "mscrypt._mscrypt.MindIRGraph": ("MindIRGraph",),
    "mscrypt._mscrypt.Plaintext": ("Plaintext",),
}


def _split_params(text):
    """Split pybind11's parameter list at top-level commas."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _native_signature(fn):
    m = SIG.match((fn.__doc__ or "").splitlines()[0])
    assert m, f"no pybind11 signature line for {fn.__name__}"
    params = [(p.split(":")[0].strip(), "=" in p) for p in _split_params(m.group(2))]
    return params, m.group(3).strip()


def _stub_functions():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("name", sorted(_stub_functions()))
def test_stub_matches_native(name):
    stub = _stub_functions()[name]
    assert hasattr(_mscrypt, name), f"{name} is stubbed but not in the native module"
    params, ret = _native_signature(getattr(_mscrypt, name))
    args = stub.args.args
    defaults = len(stub.args.defaults)
    stub_params = [(a.arg, i >= len(args) - defaults) for i, a in enumerate(args)]
    assert stub_params == params, f"{name}: stub {stub_params} != native {params}"
    annotation = ast.unparse(stub.returns)
    assert annotation.startswith(RETURNS.get(ret, (ret,))), f"{name}: stub returns {annotation}, native {ret}"


def test_every_native_function_is_stubbed():
    native = {n for n in dir(_mscrypt) if not n.startswith("__") and callable(getattr(_mscrypt, n))
              and not isinstance(getattr(_mscrypt, n), type)}
    assert native - set(_stub_functions()) == set()


@pytest.mark.parametrize("name", ["MindIRGraph", "Plaintext"])
def test_native_class_members_are_stubbed(name):
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    stubbed = {n.name for n in cls.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
    native = {n for n in dir(getattr(_mscrypt, name)) if not n.startswith("_")}
    assert native == stubbed


def test_no_stub_duplicates_an_annotated_module():
    """Stubs only for the native module: the .py modules carry their own annotations."""
    package = Path(__file__).resolve().parents[2] / "python" / "mscrypt"
    assert sorted(p.name for p in package.glob("*.pyi")) == ["_mscrypt.pyi"]
