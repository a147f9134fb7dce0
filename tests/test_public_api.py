"""The public surface: sorted `__all__`, every name importable and documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

import genai_live

MODULES = [
    "genai_live",
    "genai_live.types",
    "genai_live.errors",
    "genai_live.codec",
    "genai_live.protocol",
    "genai_live.session",
    "genai_live.client",
    "genai_live.transport",
    "genai_live.handshake",
    "genai_live.shared_reader",
    "genai_live.log",
    "genai_live.resumption",
    "genai_live.music",
    "genai_live.audio",
    "genai_live.testing",
    "genai_live.tools",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_every_public_name_has_a_docstring(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    exported = list(module.__all__)
    # isort style, as ruff keeps it: CONSTANTS, then Classes, then functions.
    key = lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)  # noqa: E731
    assert exported == sorted(exported, key=key), f"{name}.__all__ is not sorted"
    for attr in exported:
        value = getattr(module, attr)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{attr} has no docstring"


def test_api_md_names_exist() -> None:
    for name in [
        "Client",
        "connect",
        "LiveCallbacks",
        "LiveError",
        "HandshakeError",
        "SetupTimeout",
        "ConnectionLost",
        "InvalidArgument",
        "PolicyViolation",
        "ServerError",
        "MessageTooLarge",
        "ResumptionFailed",
        "DecodeError",
        "ResumptionPolicy",
        "Session",
        "LiveMusicSession",
    ]:
        assert hasattr(genai_live, name), name
    for alias in [
        "sendClientContent",
        "sendRealtimeInput",
        "sendToolResponse",
        "sendContextUpdate",
    ]:
        assert hasattr(genai_live.Session, alias), alias
    for alias in ["setWeightedPrompts", "setMusicGenerationConfig", "resetContext"]:
        assert hasattr(genai_live.LiveMusicSession, alias), alias
    for name in [
        "Scale",
        "MusicGenerationMode",
        "LiveMusicPlaybackControl",
        "WeightedPrompt",
        "LiveMusicGenerationConfig",
    ]:
        assert hasattr(genai_live.types, name), name
    assert len(genai_live.types.Scale) == 13
    assert len(genai_live.types.MusicGenerationMode) == 4


def test_errors_form_one_tree() -> None:
    for name in [
        "HandshakeError",
        "SetupTimeout",
        "ConnectionLost",
        "InvalidArgument",
        "PolicyViolation",
        "ServerError",
        "MessageTooLarge",
        "ResumptionFailed",
        "DecodeError",
        "SessionClosed",
    ]:
        assert issubclass(getattr(genai_live, name), genai_live.LiveError)


def test_package_is_typed() -> None:
    import pathlib

    assert (pathlib.Path(genai_live.__file__).parent / "py.typed").exists()


def test_wire_classes_compare_by_value_and_class_and_repr_their_fields() -> None:
    from genai_live import types as t

    part = t.Part(inline_data=t.Blob(data=b"\x00" * 5000, mime_type="audio/pcm"))
    same = t.Part(inline_data=t.Blob(data=b"\x00" * 5000, mime_type="audio/pcm"))
    assert part == same
    assert (part != same) is False
    assert part != t.Part(inline_data=t.Blob(data=b"\x01", mime_type="audio/pcm"))
    assert t.Blob(data=b"a") != t.FunctionResponseBlob(data=b"a")  # same fields, other class
    assert t.Blob() != None  # noqa: E711
    assert repr(part) == (
        "Part(text=None, inline_data=Blob(data=<5000 bytes>, mime_type='audio/pcm', "
        "display_name=None), file_data=None, function_call=None, function_response=None, "
        "executable_code=None, code_execution_result=None, thought=None, thought_signature=None, "
        "video_metadata=None, media_resolution=None, part_metadata=None)"
    )
    with pytest.raises(TypeError):
        hash(part)  # mutable and compared by value
