"""Automatic function calling: schemas from callables, tool lists, and the threaded ToolRunner."""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Literal, Optional

import attrs
import pytest

from genai_live import codec, protocol
from genai_live import types as t
from genai_live.tools import (
    ToolResult,
    ToolRunner,
    declaration_from_callable,
    non_blocking,
    normalize_tools,
)

WAIT = 5.0  # generous bound for events; never reached when things work


def wire(fn: Callable[..., Any]) -> dict[str, Any]:
    return codec.to_wire(declaration_from_callable(fn))


def params(fn: Callable[..., Any]) -> dict[str, Any]:
    return wire(fn)["parameters"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- schema generation


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Size(enum.Enum):
    SMALL = enum.auto()
    LARGE = enum.auto()


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0
    label: str | None = None


@attrs.define
class Route:
    start: Point
    stops: list[Point] = attrs.Factory(list)


@dataclasses.dataclass
class Node:
    value: int
    children: list[Node]


def test_scalars_map_to_upper_case_types_and_are_required() -> None:
    def scalars(name: str, count: int, ratio: float, on: bool) -> None:
        pass

    assert wire(scalars) == {
        "name": "scalars",
        "parameters": {
            "type": "OBJECT",
            "properties": {
                "name": {"type": "STRING"},
                "count": {"type": "INTEGER"},
                "ratio": {"type": "NUMBER"},
                "on": {"type": "BOOLEAN"},
            },
            "required": ["name", "count", "ratio", "on"],
        },
    }


def test_optional_and_none_unions_are_nullable_and_not_required() -> None:
    def maybe(a: Optional[int], b: str | None, c: float | None = None) -> None:  # noqa: UP045
        pass

    assert params(maybe) == {
        "type": "OBJECT",
        "properties": {
            "a": {"type": "INTEGER", "nullable": True},
            "b": {"type": "STRING", "nullable": True},
            "c": {"type": "NUMBER", "nullable": True},
        },
    }


def test_defaults_are_recorded_and_make_parameters_optional() -> None:
    def defaults(
        city: str, days: int = 3, color: Color = Color.GREEN, strict: bool = False
    ) -> None:
        pass

    assert params(defaults) == {
        "type": "OBJECT",
        "properties": {
            "city": {"type": "STRING"},
            "days": {"type": "INTEGER", "default": 3},
            "color": {"type": "STRING", "enum": ["red", "green"], "default": "green"},
            "strict": {"type": "BOOLEAN", "default": False},
        },
        "required": ["city"],
    }


def test_literals_become_enums_of_strings_or_integers() -> None:
    def pick(unit: Literal["C", "F"], level: Literal[1, 2, 3]) -> None:
        pass

    assert params(pick)["properties"] == {
        "unit": {"type": "STRING", "enum": ["C", "F"]},
        "level": {"type": "INTEGER", "format": "enum", "enum": ["1", "2", "3"]},
    }


def test_sequences_become_arrays_with_items() -> None:
    def many(names: list[str], counts: Sequence[int], weights: tuple[float, ...]) -> None:
        pass

    assert params(many)["properties"] == {
        "names": {"type": "ARRAY", "items": {"type": "STRING"}},
        "counts": {"type": "ARRAY", "items": {"type": "INTEGER"}},
        "weights": {"type": "ARRAY", "items": {"type": "NUMBER"}},
    }


def test_string_keyed_dicts_become_objects() -> None:
    def tags(labels: dict[str, str], extra: dict[str, Any]) -> None:
        pass

    assert params(tags)["properties"] == {
        "labels": {"type": "OBJECT"},
        "extra": {"type": "OBJECT"},
    }


def test_dataclasses_and_attrs_classes_become_nested_objects() -> None:
    def plan(route: Route) -> None:
        pass

    point = {
        "type": "OBJECT",
        "properties": {
            "x": {"type": "NUMBER"},
            "y": {"type": "NUMBER"},
            "label": {"type": "STRING", "nullable": True},
        },
        "required": ["x"],
    }
    assert params(plan) == {
        "type": "OBJECT",
        "properties": {
            "route": {
                "type": "OBJECT",
                "properties": {"start": point, "stops": {"type": "ARRAY", "items": point}},
                "required": ["start"],
            }
        },
        "required": ["route"],
    }


def test_enums_show_string_values_or_else_member_names() -> None:
    def paint(color: Color, size: Size) -> None:
        pass

    assert params(paint)["properties"] == {
        "color": {"type": "STRING", "enum": ["red", "green"]},
        "size": {"type": "STRING", "enum": ["SMALL", "LARGE"]},
    }


def test_any_has_no_type_and_unions_use_any_of() -> None:
    def loose(anything: Any, number: int | float) -> None:
        pass

    assert params(loose)["properties"] == {
        "anything": {},
        "number": {"anyOf": [{"type": "INTEGER"}, {"type": "NUMBER"}]},
    }


def test_annotated_text_describes_the_parameter() -> None:
    def annotated(city: Annotated[str, "The city's name"]) -> None:
        pass

    assert params(annotated)["properties"] == {
        "city": {"type": "STRING", "description": "The city's name"}
    }


def test_function_without_parameters_has_no_parameter_schema() -> None:
    def ping() -> str:
        """Check the service."""
        return "pong"

    assert wire(ping) == {"name": "ping", "description": "Check the service."}


def test_non_blocking_sets_the_behavior() -> None:
    @non_blocking
    def start_timer(minutes: int) -> None:
        pass

    assert wire(start_timer)["behavior"] == "NON_BLOCKING"


def test_methods_and_callable_objects_describe_their_call() -> None:
    class Lamp:
        def switch(self, on: bool) -> None:
            pass

        def __call__(self, level: int) -> None:
            pass

    assert params(Lamp().switch)["properties"] == {"on": {"type": "BOOLEAN"}}
    assert wire(Lamp())["name"] == "Lamp"
    assert params(Lamp())["properties"] == {"level": {"type": "INTEGER"}}


# --------------------------------------------------------------------------- docstrings


def test_docstring_summary_and_google_style_args() -> None:
    def get_weather(city: str, unit: str = "C", days: int = 1) -> None:
        """Get the weather
        for a city.

        Uses the national service; this paragraph is not sent.

        Args:
            city (str): The city's name,
                for example "Paris".
            unit: "C" or "F".

        Returns:
            A forecast.
        """

    declaration = wire(get_weather)
    assert declaration["description"] == "Get the weather for a city."
    assert declaration["parameters"]["properties"] == {
        "city": {"type": "STRING", "description": 'The city\'s name, for example "Paris".'},
        "unit": {"type": "STRING", "description": '"C" or "F".', "default": "C"},
        "days": {"type": "INTEGER", "default": 1},
    }


def test_docstring_args_section_can_come_first_and_be_called_arguments() -> None:
    def turn(on: bool) -> None:
        """Arguments:
        on: Whether the lights go on.
        """

    declaration = wire(turn)
    assert "description" not in declaration
    # The entries are not indented below the header here, so none is read.
    assert "description" not in declaration["parameters"]["properties"]["on"]

    def turn_indented(on: bool) -> None:
        """Switch the lights.

        Arguments:
          on: Whether the lights go on.
        """

    assert params(turn_indented)["properties"]["on"]["description"] == "Whether the lights go on."


# --------------------------------------------------------------------------- errors


def unsupported_set(tags: set[str]) -> None:
    pass


def unsupported_callable(hook: Callable[[], None]) -> None:
    pass


def unsupported_bytes(data: bytes) -> None:
    pass


def unsupported_bare_list(items: list) -> None:  # type: ignore[type-arg]
    pass


def unsupported_int_keys(table: dict[int, str]) -> None:
    pass


def unsupported_pair(pair: tuple[int, str]) -> None:
    pass


def unsupported_mixed_literal(mode: Literal["a", 1]) -> None:
    pass


def unsupported_nested(points: list[set[int]]) -> None:
    pass


def unsupported_recursive(tree: Node) -> None:
    pass


@pytest.mark.parametrize(
    "fn",
    [
        unsupported_set,
        unsupported_callable,
        unsupported_bytes,
        unsupported_bare_list,
        unsupported_int_keys,
        unsupported_pair,
        unsupported_mixed_literal,
        unsupported_nested,
        unsupported_recursive,
    ],
)
def test_unsupported_annotations_name_function_parameter_and_what_is_supported(
    fn: Callable[..., Any],
) -> None:
    param = next(iter(fn.__annotations__))
    with pytest.raises(TypeError, match=rf"{fn.__name__}\(\): parameter '{param}'") as info:
        declaration_from_callable(fn)
    assert "supported: str, int, float, bool" in str(info.value)


def test_missing_annotation_is_a_clear_error() -> None:
    def untyped(city, days: int) -> None:  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(TypeError, match=r"untyped\(\): parameter 'city' has no type annotation"):
        declaration_from_callable(untyped)


def test_varargs_and_kwargs_are_rejected() -> None:
    def star(*names: str) -> None:
        pass

    def double_star(**options: str) -> None:
        pass

    with pytest.raises(TypeError, match=r"star\(\): \*names is not supported"):
        declaration_from_callable(star)
    with pytest.raises(TypeError, match=r"double_star\(\): \*\*options is not supported"):
        declaration_from_callable(double_star)


def test_positional_only_parameters_are_rejected() -> None:
    def positional(city: str, /) -> None:
        pass

    with pytest.raises(TypeError, match="positional-only"):
        declaration_from_callable(positional)


def test_lambdas_have_no_usable_name() -> None:
    with pytest.raises(ValueError, match="define the tool with def"):
        declaration_from_callable(lambda: None)


# --------------------------------------------------------------------------- normalize_tools


def first_tool(city: str) -> None:
    """First."""


def second_tool(n: int) -> None:
    """Second."""


def test_declarations_are_merged_into_one_tool_after_the_others() -> None:
    tools, registry = normalize_tools(
        [
            {"googleSearch": {}},
            first_tool,
            t.Tool(code_execution={}),
            t.FunctionDeclaration(name="declared"),
            {"function_declarations": [{"name": "from_dict", "behavior": "NON_BLOCKING"}]},
            {"url_context": {}},
            {"name": "bare_dict"},
            second_tool,
        ]
    )
    assert [codec.to_wire(tool) for tool in tools] == [
        {"googleSearch": {}},
        {"codeExecution": {}},
        {"urlContext": {}},
        {
            "functionDeclarations": [
                {
                    "name": "first_tool",
                    "description": "First.",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"city": {"type": "STRING"}},
                        "required": ["city"],
                    },
                },
                {"name": "declared"},
                {"name": "from_dict", "behavior": "NON_BLOCKING"},
                {"name": "bare_dict"},
                {
                    "name": "second_tool",
                    "description": "Second.",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"n": {"type": "INTEGER"}},
                        "required": ["n"],
                    },
                },
            ]
        },
    ]
    assert registry == {"first_tool": first_tool, "second_tool": second_tool}


def test_a_tool_mixing_kinds_keeps_its_place_without_its_declarations() -> None:
    tools, registry = normalize_tools(
        [
            t.Tool(
                google_search=t.GoogleSearch(),
                function_declarations=[t.FunctionDeclaration(name="a")],
            )
        ]
    )
    assert [codec.to_wire(tool) for tool in tools] == [
        {"googleSearch": {}},
        {"functionDeclarations": [{"name": "a"}]},
    ]
    assert registry == {}


def test_no_functions_means_no_function_tool() -> None:
    assert normalize_tools([]) == ([], {})
    tools, _ = normalize_tools([{"codeExecution": {}}])
    assert tools == [t.Tool(code_execution={})]


def test_duplicate_function_names_raise() -> None:
    with pytest.raises(ValueError, match="'first_tool'"):
        normalize_tools([first_tool, {"functionDeclarations": [{"name": "first_tool"}]}])


def test_things_that_are_not_tools_raise() -> None:
    with pytest.raises(TypeError, match="cannot use 42 as a tool"):
        normalize_tools([42])
    with pytest.raises(TypeError, match="cannot use"):
        normalize_tools([t.Tool])  # a class, not a tool
    with pytest.raises(ValueError, match="unknown field 'googleSerch'"):
        normalize_tools([{"googleSerch": {}}])


def test_normalize_tools_plugs_into_the_setup_frame() -> None:
    message = protocol.build_setup(
        "gemini-x",
        {"tools": [{"googleSearch": {}}, first_tool]},
        protocol.Backend(),
        tool_normalizer=lambda tools: normalize_tools(tools)[0],
    )
    setup = json.loads(protocol.encode(message))["setup"]
    assert setup["tools"][0] == {"googleSearch": {}}
    assert setup["tools"][1]["functionDeclarations"][0]["name"] == "first_tool"


# --------------------------------------------------------------------------- ToolRunner


class Outbox:
    """Collects what the runner sends and lets a test wait for it."""

    def __init__(self) -> None:
        self.responses: list[t.FunctionResponse] = []
        self.threads: list[threading.Thread] = []
        self._changed = threading.Condition()

    def __call__(self, responses: list[t.FunctionResponse]) -> None:
        with self._changed:
            self.responses.extend(responses)
            self.threads.append(threading.current_thread())
            self._changed.notify_all()

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.responses) >= count, WAIT)
            return [codec.to_wire(r) for r in self.responses]


def tool_call(*calls: tuple[str, str, dict[str, Any]]) -> t.LiveServerToolCall:
    return t.LiveServerToolCall(
        function_calls=[t.FunctionCall(id=id_, name=name, args=args) for id_, name, args in calls]
    )


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def make_runner(outbox: Outbox, no_thread_leak: None) -> Iterator[Callable[..., ToolRunner]]:
    runners: list[ToolRunner] = []

    def make(registry: dict[str, Callable[..., Any]], **kwargs: Any) -> ToolRunner:
        runner = ToolRunner(registry, outbox, **kwargs)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


class Weather(enum.Enum):
    SUNNY = "sunny"


def test_return_values_become_responses_with_the_call_id_and_name(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    registry: dict[str, Callable[..., Any]] = {
        "as_dict": lambda: {"temp_c": 15, "sky": Weather.SUNNY},
        "as_int": lambda: 7,
        "as_none": lambda: None,
        "as_class": lambda: Point(1.0, 2.0),
        "as_enum": lambda: Weather.SUNNY,
        "as_other": lambda: object,
    }
    runner = make_runner(registry)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        (f"c{i}", name, {}) for i, name in enumerate(registry)
    ]
    assert runner.handle_call(tool_call(*calls)) == []
    by_id = {r["id"]: r for r in outbox.wait_for(len(calls))}
    assert by_id == {
        "c0": {"id": "c0", "name": "as_dict", "response": {"temp_c": 15, "sky": "sunny"}},
        "c1": {"id": "c1", "name": "as_int", "response": {"result": 7}},
        "c2": {"id": "c2", "name": "as_none", "response": {"result": None}},
        "c3": {
            "id": "c3",
            "name": "as_class",
            "response": {"result": {"x": 1.0, "y": 2.0, "label": None}},
        },
        "c4": {"id": "c4", "name": "as_enum", "response": {"result": "sunny"}},
        "c5": {"id": "c5", "name": "as_other", "response": {"result": "<class 'object'>"}},
    }


def test_an_exception_becomes_an_error_response_and_is_logged(
    make_runner: Callable[..., ToolRunner], outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(city: str) -> None:
        raise LookupError(f"no such city: {city}")

    runner = make_runner({"broken": broken})
    with caplog.at_level(logging.ERROR, logger="genai_live"):
        runner.handle_call(tool_call(("c1", "broken", {"city": "Atlantis"})))
        (response,) = outbox.wait_for(1)
        runner.close()
    assert response["response"] == {"error": "LookupError: no such city: Atlantis"}
    (record,) = [r for r in caplog.records if r.name == "genai_live"]
    assert record.exc_info is not None and record.exc_info[0] is LookupError


def test_arguments_are_converted_to_the_annotated_types(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    seen: dict[str, Any] = {}

    def plan(route: Route, color: Color, size: Size, days: int, note: str | None) -> str:
        seen.update(route=route, color=color, size=size, days=days, note=note)
        return "ok"

    runner = make_runner({"plan": plan})
    args = {
        "route": {"start": {"x": 1}, "stops": [{"x": 2.5, "y": 3}]},
        "color": "red",
        "size": "LARGE",
        "days": 2.0,
    }
    runner.handle_call(tool_call(("c1", "plan", args)))
    assert outbox.wait_for(1)[0]["response"] == {"result": "ok"}
    assert seen == {
        "route": Route(start=Point(1.0), stops=[Point(2.5, 3.0)]),
        "color": Color.RED,
        "size": Size.LARGE,
        "days": 2,
        "note": None,  # left out by the model: optional, so None
    }


def test_a_bad_argument_is_reported_to_the_model(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    def paint(color: Color) -> None:
        pass

    runner = make_runner({"paint": paint})
    runner.handle_call(tool_call(("c1", "paint", {"color": "purple"})))
    error = outbox.wait_for(1)[0]["response"]["error"]
    assert error.startswith("ValueError: argument 'color': 'purple'")


def test_calls_run_in_parallel_on_worker_threads(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    both_running = threading.Barrier(2, timeout=WAIT)
    ran_on: list[threading.Thread] = []

    def meet(who: str) -> str:
        ran_on.append(threading.current_thread())
        both_running.wait()  # only passes when the two calls run at the same time
        return who

    runner = make_runner({"meet": meet}, max_workers=2)
    runner.handle_call(tool_call(("a", "meet", {"who": "a"}), ("b", "meet", {"who": "b"})))
    responses = outbox.wait_for(2)
    assert sorted(r["response"]["result"] for r in responses) == ["a", "b"]
    assert threading.current_thread() not in ran_on
    assert len(set(ran_on)) == 2
    assert threading.current_thread() not in outbox.threads


def test_unknown_functions_are_returned_to_the_caller(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    runner = make_runner({"known": lambda: 1})
    unknown = runner.handle_call(tool_call(("a", "known", {}), ("b", "mystery", {"x": 1})))
    assert unknown == [t.FunctionCall(id="b", name="mystery", args={"x": 1})]
    assert [r["id"] for r in outbox.wait_for(1)] == ["a"]


def test_a_call_cancelled_before_it_starts_never_runs(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    started = threading.Event()
    release = threading.Event()
    ran: list[str] = []

    def slow(tag: str) -> str:
        ran.append(tag)
        started.set()
        release.wait(WAIT)
        return tag

    runner = make_runner({"slow": slow}, max_workers=1)
    runner.handle_call(tool_call(("first", "slow", {"tag": "first"})))
    assert started.wait(WAIT)
    runner.handle_call(tool_call(("second", "slow", {"tag": "second"})))  # queued: one worker
    runner.cancel(["second"])
    runner.handle_call(tool_call(("third", "slow", {"tag": "third"})))
    release.set()
    assert [r["id"] for r in outbox.wait_for(2)] == ["first", "third"]
    runner.close()
    assert ran == ["first", "third"]


def test_a_call_cancelled_while_running_has_its_result_dropped(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    started = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(WAIT)
        finished.set()
        return "late"

    runner = make_runner({"slow": slow, "quick": lambda: "quick"}, max_workers=1)
    runner.handle_call(tool_call(("late", "slow", {})))
    assert started.wait(WAIT)
    runner.cancel(["late", "not-a-call"])
    release.set()
    assert finished.wait(WAIT)
    runner.handle_call(tool_call(("next", "quick", {})))  # same single worker: runs after
    assert [r["id"] for r in outbox.wait_for(1)] == ["next"]
    runner.close()
    assert [r.id for r in outbox.responses] == ["next"]


def test_non_blocking_results_carry_scheduling(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    @non_blocking
    def default() -> str:
        return "a"

    @non_blocking
    def chosen() -> ToolResult:
        return ToolResult({"done": True}, scheduling="silent", will_continue=True)

    def blocking() -> ToolResult:
        return ToolResult(1, scheduling="INTERRUPT")

    runner = make_runner({"default": default, "chosen": chosen, "blocking": blocking})
    runner.handle_call(tool_call(("1", "default", {}), ("2", "chosen", {}), ("3", "blocking", {})))
    by_id = {r["id"]: r for r in outbox.wait_for(3)}
    assert by_id["1"] == {
        "id": "1",
        "name": "default",
        "response": {"result": "a"},
        "scheduling": "WHEN_IDLE",
    }
    assert by_id["2"] == {
        "id": "2",
        "name": "chosen",
        "response": {"done": True},
        "willContinue": True,
        "scheduling": "SILENT",
    }
    assert by_id["3"] == {"id": "3", "name": "blocking", "response": {"result": 1}}


def test_tool_result_rejects_an_unknown_scheduling() -> None:
    with pytest.raises(ValueError, match="unknown scheduling 'LATER'"):
        ToolResult(1, scheduling="LATER")


def test_a_failing_send_drops_that_result_and_keeps_working(
    no_thread_leak: None, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[str] = []

    def send(responses: list[t.FunctionResponse]) -> None:
        if not failures:
            failures.append(str(responses[0].id))
            raise ConnectionError("session closed")
        outbox(responses)

    runner = ToolRunner({"echo": lambda: 1}, send, max_workers=1)
    with caplog.at_level(logging.DEBUG, logger="genai_live"):
        runner.handle_call(tool_call(("a", "echo", {})))
        runner.handle_call(tool_call(("b", "echo", {})))
        assert [r["id"] for r in outbox.wait_for(1)] == ["b"]
        runner.close()
    assert failures == ["a"]
    assert any("session closed" in r.getMessage() for r in caplog.records)


def test_close_leaves_no_worker_thread_and_drops_later_calls(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    before = set(threading.enumerate())
    runner = make_runner({"echo": lambda: 1}, max_workers=3)
    runner.handle_call(tool_call(("a", "echo", {}), ("b", "echo", {}), ("c", "echo", {})))
    outbox.wait_for(3)
    assert len(set(threading.enumerate()) - before) == 3
    runner.close()
    assert set(threading.enumerate()) - before == set()
    assert runner.handle_call(tool_call(("d", "echo", {}), ("e", "nope", {}))) == [
        t.FunctionCall(id="e", name="nope", args={})
    ]
    assert len(outbox.responses) == 3
    assert set(threading.enumerate()) - before == set()


def test_close_drops_the_result_of_a_running_call_and_gives_up_after_timeout(
    make_runner: Callable[..., ToolRunner], outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    started = threading.Event()
    release = threading.Event()

    def stuck() -> str:
        started.set()
        release.wait(WAIT)
        return "too late"

    runner = make_runner({"stuck": stuck})
    runner.handle_call(tool_call(("a", "stuck", {})))
    assert started.wait(WAIT)
    with caplog.at_level(logging.WARNING, logger="genai_live"):
        runner.close(timeout=0.05)
    assert any("still running" in r.getMessage() for r in caplog.records)
    release.set()
    runner.close()  # now the worker can finish and be joined
    assert outbox.responses == []


def test_close_from_inside_a_tool_does_not_deadlock(
    make_runner: Callable[..., ToolRunner], outbox: Outbox
) -> None:
    closed = threading.Event()
    runners: list[ToolRunner] = []

    def shutdown() -> None:
        runners[0].close()
        closed.set()

    runners.append(make_runner({"shutdown": shutdown}))
    runners[0].handle_call(tool_call(("a", "shutdown", {})))
    assert closed.wait(WAIT)
    runners[0].close()
    assert outbox.responses == []
