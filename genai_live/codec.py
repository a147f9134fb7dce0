"""The wire format, described once: cattrs rules for camelCase JSON, base64 bytes and leniency.

Two converters share the same rules:

* ``WIRE`` reads what a peer sent, as the real service does: camelCase or snake_case keys at every
  level, standard or URL-safe base64, ``null`` as absent, numbers as strings; unknown fields are
  ignored (a message keeps unknown top-level keys in ``extra``) and unknown enum values stay strings.
* ``USER`` reads what a caller passed (config dicts, message dicts): the same spellings, but an
  unknown field is a ``ValueError`` naming the closest valid one.

Both write canonical proto3 JSON: camelCase keys, standard base64, ``None`` fields omitted.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union

import attrs
import cattrs

from . import types as t
from .errors import DecodeError

__all__ = [
    "USER",
    "WIRE",
    "decode_music_message",
    "decode_server_message",
    "dumps",
    "from_user",
    "from_wire",
    "loads",
    "to_camel",
    "to_snake",
    "to_wire",
]

T = TypeVar("T")
Hook = Callable[[Any], Any]

try:  # orjson is an optional speed-up (the ``fast`` extra); the stdlib is the fallback.
    import orjson

    loads: Callable[[bytes | str], Any] = orjson.loads

    def dumps(obj: Any) -> bytes:
        """Serialise to compact JSON bytes."""
        try:
            return orjson.dumps(obj)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits in a user map
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

except ImportError:  # pragma: no cover - exercised when the extra is not installed
    loads = json.loads

    def dumps(obj: Any) -> bytes:
        """Serialise to compact JSON bytes."""
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def to_camel(name: str) -> str:
    """``turn_complete`` -> ``turnComplete``."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def to_snake(name: str) -> str:
    """``turnComplete`` -> ``turn_complete``."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _standard_base64_stdlib(value: str) -> bytes | None:
    """Padded standard base64 with the stdlib, or None when ``value`` is anything else."""
    # The lenient C decoder skips characters outside the standard alphabet, so a result of the
    # expected length proves the input was standard base64 (the common case).
    size = len(value)
    if size % 4:
        return None
    try:
        out = binascii.a2b_base64(value)
    except (binascii.Error, ValueError):
        return None
    padding = 2 if value.endswith("==") else 1 if value.endswith("=") else 0
    return out if len(out) == size // 4 * 3 - padding else None


def _encode_base64_stdlib(value: bytes) -> str:
    return binascii.b2a_base64(value, newline=False).decode("ascii")


try:  # pybase64 (SIMD base64, the ``fast`` extra) decodes an audio chunk ~15x faster.
    import pybase64

    def _standard_base64(value: str) -> bytes | None:
        try:
            return pybase64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None

    def encode_base64(value: bytes) -> str:
        """Standard base64 (the canonical form)."""
        return pybase64.b64encode(value).decode("ascii")

except ImportError:  # pragma: no cover - exercised when the extra is not installed
    _standard_base64 = _standard_base64_stdlib
    encode_base64 = _encode_base64_stdlib


def decode_base64(value: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not."""
    out = _standard_base64(value)
    if out is not None:
        return out
    raw = value.encode("ascii").translate(_URLSAFE)
    if len(raw) % 4:
        raw += b"=" * (-len(raw) % 4)
    return base64.b64decode(raw, validate=True)


_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d*)?|-?\.\d+)\s*s?\s*$")


def parse_duration(value: Any) -> float:
    """Parse a protobuf Duration (``"1.5s"``) or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1))
    raise ValueError(f"not a duration: {value!r}")


def format_duration(seconds: float) -> str:
    """Format seconds as a protobuf Duration string (``1.5`` -> ``"1.5s"``)."""
    return f"{seconds:.9g}s"


# --------------------------------------------------------------------------- primitive hooks


def _type_error(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__} {_preview(value)}")


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _str(value: Any) -> str:
    if type(value) is str:
        return value
    raise _type_error("a string", value)


def _bool(value: Any) -> bool:
    if value is True or value is False:
        return bool(value)
    if value in ("true", "false"):
        return bool(value == "true")
    if type(value) is int and value in (0, 1):
        return bool(value)
    raise _type_error("a boolean", value)


def _int(value: Any) -> int:
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float and value.is_integer():
        return int(value)
    if kind is str:
        try:
            return int(value)
        except ValueError:
            pass
    raise _type_error("an integer", value)


def _float(value: Any) -> float:
    kind = type(value)
    if kind is float or kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str:
        try:
            return float(value)
        except ValueError:
            pass
    raise _type_error("a number", value)


def _bytes(value: Any) -> bytes:
    if type(value) is str:
        try:
            return decode_base64(value)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError(f"invalid base64 data: {exc}") from None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise _type_error("bytes or a base64 string", value)


def _duration(value: Any) -> float:
    return parse_duration(value)


def _any(value: Any) -> Any:
    return value


def _plain(value: Any) -> Any:
    """Turn a user value of an untyped field (function args, schemas) into plain JSON."""
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return encode_base64(bytes(value))
    if attrs.has(kind):
        return to_wire(value)
    return value


# --------------------------------------------------------------------------- converter factory


class _Rules:
    """Builds and caches the structure/unstructure function of every attrs class."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.structure_fns: dict[type, Hook] = {}
        self.unstructure_fns: dict[type, Hook] = {}
        self._building = threading.RLock()  # see _build
        self._stand_ins: dict[tuple[int, type], Hook] = {}

    # ---- structure

    def structure_hook(self, tp: Any, metadata: Mapping[str, Any]) -> Hook:
        if metadata.get(t.CODEC) == "duration":
            return _duration
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (Union, types.UnionType):
            members = [a for a in args if a is not type(None)]
            enums = [a for a in members if isinstance(a, type) and issubclass(a, enum.Enum)]
            if enums:
                return self._enum(enums[0])
            if len(members) == 1:
                return self.structure_hook(members[0], metadata)
            return _any
        if origin is list:
            item = self.structure_hook(args[0], {}) if args else _any
            return self._list(item)
        if origin is dict:
            value = self.structure_hook(args[1], {}) if args else _any
            return self._dict(value)
        if tp is Any:
            return _any
        if tp is str:
            return _str
        if tp is bool:
            return _bool
        if tp is int:
            return _int
        if tp is float:
            return _float
        if tp is bytes:
            return _bytes
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self._enum(tp)
        if attrs.has(tp):
            return self.class_structure(tp)
        raise TypeError(f"no wire rule for {tp!r}")  # pragma: no cover - a types.py mistake

    def _list(self, item: Hook) -> Hook:
        strict = self.strict

        def structure_list(value: Any) -> list[Any]:
            if type(value) is not list and not (strict and isinstance(value, tuple)):
                raise _type_error("a list", value)
            if item is _any:
                return list(value)
            return [item(v) for v in value]

        return structure_list

    def _dict(self, value_hook: Hook) -> Hook:
        def structure_dict(value: Any) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise _type_error("an object", value)
            if value_hook is _any:
                return value
            return {k: value_hook(v) for k, v in value.items()}

        return structure_dict

    def _enum(self, cls: type[enum.Enum]) -> Hook:
        members = {m.value: m for m in cls}
        strict = self.strict

        def structure_enum(value: Any) -> Any:
            if isinstance(value, enum.Enum):
                value = value.value
            if type(value) is not str:
                raise _type_error(f"a {cls.__name__} string", value)
            member = members.get(value)
            if member is None and strict:
                member = members.get(value.upper())
            return value if member is None else member

        return structure_enum

    def class_structure(self, cls: type) -> Hook:
        return self.structure_fns.get(cls) or self._build(self.structure_fns, cls, self._structure)

    def _build(self, built: dict[type, Hook], cls: type, make: Callable[[type], Hook]) -> Hook:
        """``built[cls]``, made by ``make(cls)`` if it is not there yet.

        Hooks are made on first use, possibly by several reader threads at once, and making one
        class makes its field classes (recursively): hence a re-entrant lock, and a stand-in
        that recursive types (Schema.items) find while their own hook is being made. The
        stand-in is never published, so other threads never call it early.
        """
        key = (id(built), cls)
        with self._building:
            fn = built.get(cls) or self._stand_ins.get(key)
            if fn is not None:  # made by another thread meanwhile, or being made by this one
                return fn
            self._stand_ins[key] = lambda value: built[cls](value)
            try:
                fn = built[cls] = make(cls)
            finally:
                del self._stand_ins[key]
            return fn

    def _structure(self, cls: type) -> Hook:
        attrs.resolve_types(cls)
        table: dict[str, tuple[str, Hook]] = {}
        for field in attrs.fields(cls):
            hook = self.structure_hook(field.type, field.metadata)
            wire = field.metadata.get(t.WIRE)
            names = {field.name, to_camel(field.name), *field.metadata.get(t.ALIASES, ())}
            if wire:
                names.add(wire)
            for name in names:
                table[name] = (field.name, hook)
        has_extra = "extra" in table and not self.strict
        if has_extra:
            del table["extra"]
        return _make_structure(cls, table, strict=self.strict, keep_extra=has_extra)

    # ---- unstructure

    def class_unstructure(self, cls: type) -> Hook:
        return self.unstructure_fns.get(cls) or self._build(
            self.unstructure_fns, cls, self._unstructure
        )

    def _unstructure(self, cls: type) -> Hook:
        attrs.resolve_types(cls)
        plan: list[tuple[str, str, Hook | None]] = []
        for field in attrs.fields(cls):
            wire = field.metadata.get(t.WIRE)
            if wire == "":  # accepted on input only
                continue
            if field.name == "extra":
                continue
            hook = self.unstructure_hook(field.type, field.metadata)
            plan.append((field.name, wire or to_camel(field.name), hook))
        return _make_unstructure(plan)

    def unstructure_hook(self, tp: Any, metadata: Mapping[str, Any]) -> Hook | None:
        if metadata.get(t.CODEC) == "duration":
            return format_duration
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (Union, types.UnionType):
            members = [a for a in args if a is not type(None)]
            if any(isinstance(a, type) and issubclass(a, enum.Enum) for a in members):
                return _enum_value
            if len(members) == 1:
                return self.unstructure_hook(members[0], metadata)
            return _plain
        if origin is list:
            item = self.unstructure_hook(args[0], {}) if args else _plain
            if item is None:
                return list
            return lambda value: [item(v) for v in value]
        if origin is dict:
            value_hook = self.unstructure_hook(args[1], {}) if args else _plain
            if value_hook is None:
                return None
            return lambda value: {k: value_hook(v) for k, v in value.items()}
        if tp is bytes:
            return _unstructure_bytes
        if tp in (str, int, bool):
            return None
        if tp is float:
            return _integral_float
        if tp is Any:
            return _plain
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum_value
        if attrs.has(tp):
            inner = self.class_unstructure(tp)
            return lambda obj: inner(obj) if isinstance(obj, tp) else _plain(obj)
        return _plain


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _unstructure_bytes(value: Any) -> Any:
    if isinstance(value, str):  # already base64: pass through
        return value
    return encode_base64(bytes(value))


def _integral_float(value: Any) -> Any:
    # Canonical proto3 JSON writes 9.0 as 9.
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _make_structure(
    cls: type, table: dict[str, tuple[str, Hook]], *, strict: bool, keep_extra: bool
) -> Hook:
    lookup = table.get
    name = cls.__name__

    def structure(value: Any) -> Any:
        if type(value) is not dict:
            if isinstance(value, cls):
                return value
            if isinstance(value, Mapping):
                value = dict(value)
            else:
                raise _type_error(f"a {name} object", value)
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] | None = None
        for key, item in value.items():
            entry = lookup(key)
            if entry is None:
                if strict:
                    raise ValueError(_unknown_field(name, key, table))
                if keep_extra:
                    if extra is None:
                        extra = {}
                    extra[key] = item
                continue
            if item is None:
                continue
            try:
                kwargs[entry[0]] = entry[1](item)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{name}.{to_camel(entry[0])}: {exc}") from None
        if extra is not None:
            kwargs["extra"] = extra
        return cls(**kwargs)

    return structure


def _unknown_field(cls_name: str, key: Any, table: Mapping[str, Any]) -> str:
    camel = sorted({to_camel(k) for k in table})
    import difflib

    close = difflib.get_close_matches(to_camel(str(key)), camel, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; valid fields: {', '.join(camel)}"
    return f"unknown field {key!r} for {cls_name}{hint}"


def _make_unstructure(plan: list[tuple[str, str, Hook | None]]) -> Hook:
    def unstructure(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, key, hook in plan:
            value = getattr(obj, attr)
            if value is not None:
                out[key] = value if hook is None else hook(value)
        return out

    return unstructure


def _make_converter(strict: bool) -> cattrs.Converter:
    rules = _Rules(strict)
    converter = cattrs.Converter()

    def structure_factory(cls: type) -> Callable[[Any, Any], Any]:
        fn = rules.class_structure(cls)
        return lambda value, _type: fn(value)

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        return rules.class_unstructure(cls)

    converter.register_structure_hook_factory(attrs.has, structure_factory)
    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return converter


WIRE: cattrs.Converter = _make_converter(strict=False)
"""Lenient converter for frames received from a peer."""

USER: cattrs.Converter = _make_converter(strict=True)
"""Strict converter for dicts given by the caller (unknown keys raise ``ValueError``)."""


def to_wire(obj: Any) -> dict[str, Any]:
    """Unstructure an attrs message into canonical JSON-ready data."""
    return WIRE.unstructure(obj)  # type: ignore[no-any-return]


def from_wire(data: Any, cls: type[T]) -> T:
    """Structure received JSON data leniently (raises TypeError/ValueError on bad shapes)."""
    return WIRE.structure(data, cls)


def from_user(data: Any, cls: type[T]) -> T:
    """Structure caller-supplied data strictly: dicts (either key style) or instances of ``cls``."""
    if isinstance(data, cls):
        return data
    return USER.structure(data, cls)


_server_hook = WIRE.get_structure_hook(t.LiveServerMessage)
_music_hook = WIRE.get_structure_hook(t.LiveMusicServerMessage)


def _decode(frame: bytes | str, hook: Callable[[Any, Any], T], cls: type[T]) -> T:
    try:
        data = loads(frame) if frame else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(
            "server sent a frame that is not JSON",
            reason=f"{exc}: {_preview(frame)}",
            hint="The server or a proxy sent something other than a Live API message.",
        ) from None
    if type(data) is not dict:
        raise DecodeError("server sent JSON that is not an object", reason=_preview(data))
    try:
        return hook(data, cls)
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise DecodeError("server message does not fit the protocol", reason=str(exc)) from None


def decode_server_message(frame: bytes | str) -> t.LiveServerMessage:
    """Parse one Live API server frame; raises `DecodeError` when it can't be read."""
    return _decode(frame, _server_hook, t.LiveServerMessage)


def decode_music_message(frame: bytes | str) -> t.LiveMusicServerMessage:
    """Parse one Live Music server frame; raises `DecodeError` when it can't be read."""
    return _decode(frame, _music_hook, t.LiveMusicServerMessage)
