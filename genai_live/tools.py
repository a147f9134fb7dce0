"""Automatic function calling: Python callables to declarations, and running the model's calls.

``declaration_from_callable`` reads a function's signature, type hints and Google-style docstring;
``normalize_tools`` turns ``config["tools"]`` into wire `types.Tool` objects plus a name → callable
registry; ``ToolRunner`` runs the model's calls on worker threads and sends each result back.

Example::

    def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict[str, float]:
        # with a docstring: a summary paragraph, then "Args:" with "city: The city's name."
        ...

    wire_tools, registry = normalize_tools([get_weather, {"googleSearch": {}}])
    runner = ToolRunner(registry, session.send_tool_response)
"""

from __future__ import annotations

import base64
import collections
import collections.abc
import dataclasses
import enum
import functools
import inspect
import math
import re
import threading
import time
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

import attrs

from . import codec
from . import types as t
from .log import logger as package_logger

if TYPE_CHECKING:
    import logging

__all__ = [
    "ToolResult",
    "ToolRunner",
    "declaration_from_callable",
    "non_blocking",
    "normalize_tools",
]

_BEHAVIOR_ATTR = "__genai_live_behavior__"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")
_SUPPORTED = (
    "supported: str, int, float, bool, Any, Literal[...], enum.Enum subclasses, list[X], "
    "Sequence[X], tuple[X, ...], dict[str, X], X | None, unions of these, dataclasses and "
    "attrs classes"
)

F = typing.TypeVar("F", bound=Callable[..., Any])


def non_blocking(fn: F) -> F:
    """Declare ``fn`` NON_BLOCKING: the model keeps talking while it runs.

    Its response is sent with ``scheduling`` (``WHEN_IDLE`` unless the function returns a
    `ToolResult` choosing another)::

        @non_blocking
        def start_timer(minutes: int) -> str: ...
    """
    try:
        setattr(fn, _BEHAVIOR_ATTR, t.Behavior.NON_BLOCKING)
    except AttributeError:
        raise TypeError(
            f"non_blocking cannot mark {fn!r}: use it as a decorator on a function definition."
        ) from None
    return fn


def _scheduling(value: Any) -> t.FunctionResponseScheduling | None:
    if value is None:
        return None
    try:
        return t.FunctionResponseScheduling(str(value).upper())
    except ValueError:
        choices = ", ".join(repr(s.value) for s in t.FunctionResponseScheduling)
        raise ValueError(f"unknown scheduling {value!r}; choose one of {choices}") from None


@attrs.define(frozen=True)
class ToolResult:
    """A function's return value with the response options of a NON_BLOCKING function.

    ``scheduling`` tells the model when to react: ``"WHEN_IDLE"`` (the default), ``"SILENT"``
    (take note, say nothing) or ``"INTERRUPT"`` (stop and react now). ``will_continue=True`` says
    more responses to the same call will follow. Both are ignored for blocking functions::

        return ToolResult({"done": True}, scheduling="SILENT")
    """

    value: Any
    scheduling: t.FunctionResponseScheduling | None = attrs.field(
        default=None, kw_only=True, converter=_scheduling
    )
    will_continue: bool = attrs.field(default=False, kw_only=True)


# --------------------------------------------------------------------------- declarations


def _callable_name(fn: Callable[..., Any]) -> str:
    target = fn.func if isinstance(fn, functools.partial) else fn
    name = getattr(target, "__name__", None) or type(target).__name__
    if not _NAME.match(name):
        raise ValueError(
            f"{name!r} cannot be a function name: the model needs letters, digits, '_', '.', "
            "':' or '-' (define the tool with def, not lambda)."
        )
    return name


def _hint_source(fn: Callable[..., Any]) -> Any:
    """The object whose annotations describe ``fn``'s parameters."""
    if isinstance(fn, functools.partial):
        return _hint_source(fn.func)
    if inspect.isroutine(fn):
        return fn
    return type(fn).__call__  # a callable instance


def _parameters(fn: Callable[..., Any], name: str) -> list[tuple[inspect.Parameter, Any]]:
    """``fn``'s parameters with their resolved type hints; raises TypeError for what can't map."""
    try:
        signature = inspect.signature(fn)
        hints = typing.get_type_hints(_hint_source(fn), include_extras=True)
    except (NameError, TypeError, ValueError) as exc:
        raise TypeError(f"{name}(): cannot read its signature and type hints: {exc}") from None
    params = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            stars = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise TypeError(
                f"{name}(): {stars}{param.name} is not supported: the model passes named "
                "arguments only, so declare each parameter with its type."
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(
                f"{name}(): parameter {param.name!r} is positional-only, but the model passes "
                "arguments by name; remove the '/'."
            )
        if param.name not in hints:
            raise TypeError(
                f"{name}(): parameter {param.name!r} has no type annotation; annotate it "
                f"({_SUPPORTED})."
            )
        params.append((param, hints[param.name]))
    return params


def declaration_from_callable(fn: Callable[..., Any]) -> t.FunctionDeclaration:
    """Describe ``fn`` for the model: name, docstring summary and a parameter schema.

    The description is the docstring's first paragraph; a Google-style ``Args:`` section gives
    each parameter's description (``Annotated[X, "text"]`` works too). Parameters without a
    default are required, except ``X | None`` ones. Raises TypeError for ``*args``/``**kwargs``,
    missing annotations and types that have no schema.
    """
    name = _callable_name(fn)
    doc = inspect.getdoc(fn.func if isinstance(fn, functools.partial) else fn) or ""
    summary, arg_docs = _parse_docstring(doc)
    properties: dict[str, t.Schema] = {}
    required: list[str] = []
    for param, hint in _parameters(fn, name):
        where = f"{name}(): parameter {param.name!r}"
        schema = _schema(hint, where, ())
        if param.name in arg_docs:
            schema.description = arg_docs[param.name]
        has_default = param.default is not param.empty
        if has_default and param.default is not None:
            schema.default = _to_json(param.default)
        if not has_default and not schema.nullable:
            required.append(param.name)
        properties[param.name] = schema
    parameters = None
    if properties:  # the API rejects an OBJECT with no properties: omit them instead
        parameters = t.Schema(type="OBJECT", properties=properties, required=required or None)
    return t.FunctionDeclaration(
        name=name,
        description=summary or None,
        parameters=parameters,
        behavior=getattr(fn, _BEHAVIOR_ATTR, None),
    )


_SECTION = re.compile(
    r"^(args|arguments|parameters|params|keyword args|keyword arguments|returns?|yields?|"
    r"raises|examples?|notes?|attributes|warnings?|see also|todo|references)\s*:\s*$",
    re.IGNORECASE,
)
_ARGS_HEADER = re.compile(r"^(args|arguments|parameters|params)\s*:\s*$", re.IGNORECASE)
_ARG_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The first paragraph (on one line), and the ``Args:`` descriptions by parameter name."""
    lines = doc.splitlines()
    summary: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION.match(line.strip()):
            break
        summary.append(line.strip())
    return " ".join(summary), _arg_docs(lines)


def _arg_docs(lines: list[str]) -> dict[str, str]:
    start = next((i for i, line in enumerate(lines) if _ARGS_HEADER.match(line.strip())), None)
    if start is None:
        return {}
    header_indent = _indent(lines[start])
    entry_indent: int | None = None
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        indent = _indent(line)
        if indent <= header_indent:  # the next section
            break
        match = _ARG_ENTRY.match(line.strip())
        if match and (entry_indent is None or indent <= entry_indent):
            entry_indent = indent
            current = found[match.group(1)] = [match.group(2).strip()]
        else:  # a continuation line, indented deeper than the entries
            current.append(line.strip())
    return {name: " ".join(p for p in parts if p) for name, parts in found.items() if any(parts)}


def _type_name(tp: Any) -> str:
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__name__
    return repr(tp).replace("typing.", "")


def _unsupported(tp: Any, where: str, why: str = "") -> TypeError:
    return TypeError(f"{where} has an unsupported type {_type_name(tp)}{why}; {_SUPPORTED}.")


def _is_union(origin: Any) -> bool:
    return origin is Union or origin is types.UnionType


def _schema(tp: Any, where: str, seen: tuple[type, ...]) -> t.Schema:
    """The OpenAPI-style schema of one annotation (``seen`` guards recursive classes)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        schema = _schema(args[0], where, seen)
        notes = [a for a in tp.__metadata__ if isinstance(a, str)]
        if notes and schema.description is None:
            schema.description = " ".join(notes)
        return schema
    if tp is Any:
        return t.Schema()
    if _is_union(origin):
        members = [a for a in args if a is not type(None)]
        nullable = len(members) < len(args) or None
        if len(members) == 1:
            schema = _schema(members[0], where, seen)
        else:
            schema = t.Schema(any_of=[_schema(m, where, seen) for m in members])
        schema.nullable = nullable
        return schema
    if origin is Literal:
        return _enum_schema(list(args), tp, where)
    if tp is str:
        return t.Schema(type="STRING")
    if tp is bool:
        return t.Schema(type="BOOLEAN")
    if tp is int:
        return t.Schema(type="INTEGER")
    if tp is float:
        return t.Schema(type="NUMBER")
    if tp in (list, tuple, collections.abc.Sequence):
        raise _unsupported(tp, where, " (name the item type, e.g. list[str])")
    if origin in (list, collections.abc.Sequence, tuple):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            raise _unsupported(tp, where, " (only tuple[X, ...] has an array schema)")
        if not args:
            raise _unsupported(tp, where, " (name the item type, e.g. list[str])")
        return t.Schema(type="ARRAY", items=_schema(args[0], f"{where} (items)", seen))
    if tp is dict or origin is dict:
        if args and args[0] is not str:
            raise _unsupported(tp, where, " (object keys are strings)")
        if args:
            _schema(args[1], f"{where} (values)", seen)  # reject what can't be described
        return t.Schema(type="OBJECT")
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_schema(_enum_wire_values(tp), tp, where)
    if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or attrs.has(tp)):
        if tp in seen:
            raise _unsupported(tp, where, " (recursive classes have no schema)")
        properties: dict[str, t.Schema] = {}
        required: list[str] = []
        for field, hint, has_default in _class_fields(tp, where):
            field_schema = _schema(hint, f"{where} (field {field!r})", (*seen, tp))
            properties[field] = field_schema
            if not has_default and not field_schema.nullable:
                required.append(field)
        return t.Schema(type="OBJECT", properties=properties, required=required or None)
    raise _unsupported(tp, where)


def _enum_wire_values(cls: type[enum.Enum]) -> list[Any]:
    # String-valued enums show the model their values; others (auto(), tuples) their names.
    if all(isinstance(m.value, str) for m in cls):
        return [m.value for m in cls]
    return [m.name for m in cls]


def _enum_schema(values: list[Any], tp: Any, where: str) -> t.Schema:
    if values and all(isinstance(v, str) for v in values):
        return t.Schema(type="STRING", enum=values)
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        # The API's enum lists are strings; an INTEGER enum needs format "enum".
        return t.Schema(type="INTEGER", format="enum", enum=[str(v) for v in values])
    raise _unsupported(tp, where, " (enum values must be all strings or all integers)")


def _class_fields(cls: type, where: str) -> list[tuple[str, Any, bool]]:
    """(init name, type hint, has a default) of each field of a dataclass or attrs class."""
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError) as exc:
        raise TypeError(
            f"{where}: cannot resolve the type hints of {cls.__name__}: {exc}"
        ) from None
    if attrs.has(cls):
        return [
            (f.alias or f.name, hints.get(f.name, f.type), f.default is not attrs.NOTHING)
            for f in attrs.fields(cls)
            if f.init
        ]
    missing = dataclasses.MISSING
    return [
        (f.name, hints[f.name], f.default is not missing or f.default_factory is not missing)
        for f in dataclasses.fields(cls)
        if f.init
    ]


# --------------------------------------------------------------------------- tool lists


def normalize_tools(tools: Sequence[Any]) -> tuple[list[t.Tool], dict[str, Callable[..., Any]]]:
    """``config["tools"]`` as wire Tools, and the callables among them by function name.

    Accepts `types.Tool` objects, tool dicts (camelCase or snake_case), `types.FunctionDeclaration`
    objects or dicts, and plain callables. Every function declaration ends up in one Tool appended
    after the other tools, which keep their order. Raises ValueError on duplicate function names.
    """
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise TypeError(f"tools must be a list, got {type(tools).__name__}")
    others: list[t.Tool] = []
    declarations: list[t.FunctionDeclaration] = []
    registry: dict[str, Callable[..., Any]] = {}
    for item in tools:
        if isinstance(item, t.FunctionDeclaration) or (
            isinstance(item, Mapping) and "name" in item
        ):
            declarations.append(codec.from_user(item, t.FunctionDeclaration))
        elif isinstance(item, (t.Tool, Mapping)):
            tool = codec.from_user(item, t.Tool)
            declarations.extend(tool.function_declarations or ())
            rest = attrs.evolve(tool, function_declarations=None)
            if rest != t.Tool():
                others.append(rest)
        elif callable(item) and not isinstance(item, type):
            declaration = declaration_from_callable(item)
            declarations.append(declaration)
            registry[typing.cast(str, declaration.name)] = item
        else:
            raise TypeError(
                f"cannot use {item!r} as a tool: pass a function, a types.Tool, a "
                "types.FunctionDeclaration or a dict."
            )
    seen: set[str | None] = set()
    for declaration in declarations:
        if declaration.name in seen:
            raise ValueError(
                f"two tools declare a function named {declaration.name!r}; names must be unique."
            )
        seen.add(declaration.name)
    if declarations:
        others.append(t.Tool(function_declarations=declarations))
    return others, registry


# --------------------------------------------------------------------------- results


def _to_json(value: Any) -> Any:
    """``value`` as plain JSON data: classes become dicts, enums their values, the rest str()."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return _to_json(value.value)
    if isinstance(value, Mapping):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_to_json(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if attrs.has(type(value)):
        return _to_json(attrs.asdict(value, recurse=False))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _to_json({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return str(value)


def _from_json(value: Any, tp: Any) -> Any:
    """Turn one JSON argument into the annotated Python type (classes, enums, ints...)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _from_json(value, args[0])
    if value is None or tp is Any:
        return value
    if _is_union(origin):
        errors = []
        for member in (a for a in args if a is not type(None)):
            try:
                return _from_json(value, member)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors))
    if origin is Literal:
        if value in args:
            return value
        for option in args:
            if str(option) == str(value):
                return option
        raise ValueError(f"{value!r} is not one of {list(args)}")
    if tp is int and isinstance(value, (float, str)) and not isinstance(value, bool):
        number = float(value)
        if not number.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return int(number)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if origin in (list, collections.abc.Sequence, tuple) and isinstance(value, list):
        items = [_from_json(v, args[0]) for v in value]
        return tuple(items) if origin is tuple else items
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {k: _from_json(v, args[1]) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if all(isinstance(m.value, str) for m in tp):
            return tp(value)
        if value not in tp.__members__:  # such enums are declared by member name
            raise ValueError(f"{value!r} is not one of {list(tp.__members__)}")
        return tp[value]
    if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or attrs.has(tp)):
        if not isinstance(value, dict):
            raise TypeError(f"expected an object for {tp.__name__}, got {value!r}")
        fields = {name: hint for name, hint, _ in _class_fields(tp, tp.__name__)}
        return tp(**{k: _from_json(v, fields[k]) if k in fields else v for k, v in value.items()})
    return value


@attrs.define(frozen=True)
class _Registered:
    fn: Callable[..., Any]
    behavior: t.Behavior | None
    # None when the callable can't be inspected: its arguments are then passed as received.
    hints: dict[str, tuple[Any, bool]] | None

    def call(self, args: Mapping[str, Any]) -> Any:
        if self.hints is None:
            return self.fn(**args)
        kwargs = dict(args)
        for name, value in args.items():
            if name in self.hints:
                try:
                    kwargs[name] = _from_json(value, self.hints[name][0])
                except (TypeError, ValueError) as exc:
                    raise type(exc)(f"argument {name!r}: {exc}") from None
        for name, (hint, has_default) in self.hints.items():
            # The model may leave out an optional argument that has no default in Python.
            if name not in kwargs and not has_default and _allows_none(hint):
                kwargs[name] = None
        return self.fn(**kwargs)


def _allows_none(tp: Any) -> bool:
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp is Any or (_is_union(typing.get_origin(tp)) and type(None) in typing.get_args(tp))


def _register(fn: Callable[..., Any]) -> _Registered:
    try:
        params = _parameters(fn, getattr(fn, "__name__", "tool"))
        hints = {p.name: (hint, p.default is not p.empty) for p, hint in params}
    except TypeError:
        hints = None
    return _Registered(fn=fn, behavior=getattr(fn, _BEHAVIOR_ATTR, None), hints=hints)


@attrs.define(eq=False)
class _Job:
    call: t.FunctionCall
    tool: _Registered
    cancelled: bool = False


class ToolRunner:
    """Runs the model's function calls on worker threads and sends each result when it is ready.

    ``send`` receives a list with one `types.FunctionResponse`; it is called from a worker
    thread. A ``send`` that raises (the session closed) drops that result. Example::

        runner = ToolRunner(registry, session.send_tool_response)
        for message in session:
            if message.tool_call:
                unknown = runner.handle_call(message.tool_call)
            if message.tool_call_cancellation:
                runner.cancel(message.tool_call_cancellation.ids or [])
        runner.close()
    """

    def __init__(
        self,
        registry: Mapping[str, Callable[..., Any]],
        send: Callable[[list[t.FunctionResponse]], None],
        *,
        max_workers: int = 4,
        logger: logging.Logger | None = None,
    ) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self._tools = {name: _register(fn) for name, fn in registry.items()}
        self._send = send
        self._max_workers = max_workers
        self._log = logger or package_logger
        self._lock = threading.Condition()
        self._pending: collections.deque[_Job] = collections.deque()
        self._running: list[_Job] = []
        self._workers: list[threading.Thread] = []
        self._idle = 0
        self._closed = False

    def handles(self, name: str | None) -> bool:
        """True when calls of function ``name`` run automatically."""
        return name in self._tools

    def handle_call(self, tool_call: t.LiveServerToolCall) -> list[t.FunctionCall]:
        """Queue the calls of registered functions; return the others (for the caller to answer)."""
        unknown: list[t.FunctionCall] = []
        jobs: list[_Job] = []
        for call in tool_call.function_calls or ():
            tool = self._tools.get(call.name or "")
            if tool is None:
                unknown.append(call)
            else:
                jobs.append(_Job(call=call, tool=tool))
        with self._lock:
            if self._closed:
                if jobs:
                    self._log.debug("tool runner closed: dropping %d call(s)", len(jobs))
                return unknown
            self._pending.extend(jobs)
            # Start a worker per call nobody is free to take, up to max_workers.
            shortfall = len(self._pending) - self._idle
            while shortfall > 0 and len(self._workers) < self._max_workers:
                worker = threading.Thread(
                    target=self._work,
                    name=f"genai_live-tool-{len(self._workers) + 1}",
                    daemon=True,  # a function that never returns must not keep Python alive
                )
                self._workers.append(worker)
                self._idle += 1  # counted idle until it takes a job
                worker.start()
                shortfall -= 1
            self._lock.notify(len(jobs))
        return unknown

    def cancel(self, ids: Sequence[str]) -> None:
        """Forget these calls: queued ones never run; running ones finish but are not answered."""
        wanted = set(ids)
        with self._lock:
            for job in self._running:
                if job.call.id in wanted:
                    job.cancelled = True
            dropped = [job for job in self._pending if job.call.id in wanted]
            for job in dropped:
                self._pending.remove(job)
        for job in dropped:
            self._log.debug("tool call %s (%s) cancelled before it ran", job.call.id, job.call.name)

    def close(self, wait: bool = True, timeout: float = 5.0) -> None:
        """Stop the workers and drop queued calls; results still running are not sent.

        With ``wait``, join the workers for up to ``timeout`` seconds in total (a function still
        running after that is left to finish on its daemon thread and logged).
        """
        with self._lock:
            self._closed = True
            self._pending.clear()
            for job in self._running:
                job.cancelled = True
            self._lock.notify_all()
            workers = list(self._workers)
        if not wait:
            return
        deadline = time.monotonic() + timeout
        for worker in workers:
            if worker is not threading.current_thread():  # close() called from a tool
                worker.join(max(0.0, deadline - time.monotonic()))
        busy = [w.name for w in workers if w.is_alive() and w is not threading.current_thread()]
        if busy:
            self._log.warning("tool functions still running after close(): %s", ", ".join(busy))

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                job = self._pending.popleft()
                self._idle -= 1
                self._running.append(job)
            try:
                response = self._run(job)
            finally:
                with self._lock:
                    self._running.remove(job)
                    self._idle += 1
                    cancelled = job.cancelled
            if cancelled:
                self._log.debug("dropping the result of cancelled call %s", job.call.id)
                continue
            try:
                self._send([response])
            except Exception as exc:
                self._log.debug("could not send the result of call %s: %s", job.call.id, exc)

    def _run(self, job: _Job) -> t.FunctionResponse:
        call, tool = job.call, job.tool
        options: ToolResult | None = None
        try:
            value = tool.call(call.args or {})
            if isinstance(value, ToolResult):
                options, value = value, value.value
            payload = _to_json(value) if isinstance(value, Mapping) else {"result": _to_json(value)}
        except Exception as exc:
            self._log.error("tool %s (call %s) raised", call.name, call.id, exc_info=True)
            payload = {"error": f"{type(exc).__name__}: {exc}"}
        response = t.FunctionResponse(id=call.id, name=call.name, response=payload)
        if tool.behavior is t.Behavior.NON_BLOCKING:
            chosen = options.scheduling if options else None
            response.scheduling = chosen or t.FunctionResponseScheduling.WHEN_IDLE
            if options is not None:
                response.will_continue = options.will_continue
        return response
