"""What the fake model says and which declared tool it calls: deterministic rules, no learning.

The rules are the ones the public docs promise (``API.md``, "Testing"), so tests written against
the emulator can predict every reply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "ToolChoice",
    "choose_tool",
    "count_tokens",
    "reply_text",
    "split_chunks",
    "tool_result_text",
]


@attrs.frozen(kw_only=True)
class ToolChoice:
    """A function call the model decided to make: the declared ``name`` and its ``args``."""

    name: str
    args: dict[str, Any] = attrs.field(factory=dict)


# -- Tool choice ---------------------------------------------------------------------------------

_PREPOSITIONS = frozenset({"in", "for", "at"})
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # letters/digits, hyphenated parts kept together
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def choose_tool(text: str, declarations: Sequence[Mapping[str, Any]]) -> ToolChoice | None:
    """The function to call for the user's latest ``text``, or None to answer in words.

    A declaration matches when its name, one of its parameter names, or a word of four or more
    letters from its description appears in the text (case-insensitive, whole words). When several
    match, a name match beats a parameter match, which beats a description match; then the first
    declared wins. Arguments are read from the text (see :func:`_argument`); only required
    parameters and parameters whose value was found are passed.

    >>> choose_tool("Weather in Paris?", [{"name": "get_weather", "description": "Weather by city",
    ...     "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}}])
    ToolChoice(name='get_weather', args={'city': 'Paris'})
    """
    text_words = {word.lower() for word in re.findall(r"[^\W\d_]+", text)}
    best: tuple[int, Mapping[str, Any]] | None = None
    for declaration in declarations:
        rank = _match_rank(declaration, text, text_words)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, declaration)
    if best is None:
        return None
    declaration = best[1]
    schema = _parameters_schema(declaration)
    properties = schema.get("properties")
    required = schema.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    args: dict[str, Any] = {}
    if isinstance(properties, Mapping):
        for name, property_schema in properties.items():
            if not isinstance(property_schema, Mapping):
                property_schema = {}
            found, value = _argument(str(name), property_schema, text)
            if found or name in required_names:
                args[str(name)] = value
    return ToolChoice(name=str(declaration["name"]), args=args)


def _match_rank(declaration: Mapping[str, Any], text: str, text_words: set[str]) -> int | None:
    name = declaration.get("name")
    if not isinstance(name, str) or not name:
        return None
    if _mentions(text, name):
        return 0
    properties = _parameters_schema(declaration).get("properties")
    if isinstance(properties, Mapping) and any(_mentions(text, str(p)) for p in properties):
        return 1
    description = declaration.get("description")
    if isinstance(description, str):
        described = {word.lower() for word in re.findall(r"[^\W\d_]{4,}", description)}
        if described & text_words:
            return 2
    return None


def _parameters_schema(declaration: Mapping[str, Any]) -> Mapping[str, Any]:
    for key in ("parameters", "parametersJsonSchema", "parameters_json_schema"):
        schema = declaration.get(key)
        if isinstance(schema, Mapping):
            return schema
    return {}


def _mentions(text: str, phrase: str) -> bool:
    """Whether ``phrase`` appears in ``text`` as a whole word, ignoring case."""
    pattern = rf"(?<![^\W_]){re.escape(phrase)}(?![^\W_])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _argument(name: str, schema: Mapping[str, Any], text: str) -> tuple[bool, Any]:
    """(found in the text?, value) for one parameter; the value is the default when not found.

    - enum: the enum value appearing first in the text, else the first value;
    - integer / number: the first number in the text, else 0;
    - boolean: true when the parameter's name appears in the text, else false;
    - string: the capitalised word after "in"/"for"/"at", else the last capitalised word,
      else "";
    - array / object: never found; ``[]`` / ``{}``.
    """
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return _enum_argument(enum, text)
    kind = _schema_type(schema)
    if kind in ("integer", "number"):
        match = _NUMBER.search(text)
        if match is None:
            return False, 0
        number = match.group()
        if kind == "integer":
            return True, int(float(number))
        return True, float(number) if "." in number else int(number)
    if kind == "boolean":
        return (True, True) if _mentions(text, name) else (False, False)
    if kind == "array":
        return False, []
    if kind == "object":
        return False, {}
    word = _place_word(text)
    return (True, word) if word is not None else (False, "")


def _enum_argument(enum: list[Any], text: str) -> tuple[bool, Any]:
    positions = []
    for order, value in enumerate(enum):
        match = re.search(rf"(?<![^\W_]){re.escape(str(value))}(?![^\W_])", text, re.IGNORECASE)
        if match is not None:
            positions.append((match.start(), order, value))
    if positions:
        return True, min(positions)[2]
    return False, enum[0]


def _schema_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):  # JSON Schema: ["string", "null"]
        kind = next((k for k in kind if isinstance(k, str) and k.lower() != "null"), None)
    if kind is None:
        for option in schema.get("anyOf") or ():  # JSON Schema for Optional[...] parameters
            if isinstance(option, Mapping) and str(option.get("type", "")).lower() != "null":
                return _schema_type(option)
    return kind.lower() if isinstance(kind, str) else "string"


def _place_word(text: str) -> str | None:
    words = [match.group() for match in _WORD.finditer(text)]
    capitalised = [i for i, word in enumerate(words) if word[0].isupper()]
    for i in capitalised:
        if i > 0 and words[i - 1].lower() in _PREPOSITIONS:
            return words[i]
    return words[capitalised[-1]] if capitalised else None


# -- Replies -------------------------------------------------------------------------------------

_ECHO_WORDS = 12
_TOPIC_WORDS = 3
_COMMON_WORDS = frozenset(
    [
        "about",
        "also",
        "been",
        "could",
        "does",
        "from",
        "have",
        "into",
        "just",
        "like",
        "please",
        "should",
        "some",
        "tell",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "want",
        "were",
        "what",
        "when",
        "where",
        "which",
        "will",
        "with",
        "would",
        "your",
    ]
)
_LANGUAGE_CODES = {
    "spanish": "es",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "english": "en",
}
_TRANSLATION_REQUEST = re.compile(r"\btranslat\w*\b.*?\b(?:in)?to\s+([^\W\d_]+)", re.I | re.S)
_SPANISH = {
    "hello": "hola",
    "hi": "hola",
    "goodbye": "adiós",
    "good": "buenos",
    "morning": "días",
    "night": "noches",
    "thanks": "gracias",
    "thank": "gracias",
    "you": "tú",
    "yes": "sí",
    "please": "por favor",
    "friend": "amigo",
    "my": "mi",
    "the": "el",
    "is": "es",
    "and": "y",
    "how": "cómo",
    "are": "estás",
    "world": "mundo",
    "water": "agua",
    "weather": "tiempo",
    "today": "hoy",
}


def reply_text(
    user_text: str,
    *,
    system_instruction: str | None,
    history_turns: int,
    image: tuple[int, int] | None,
) -> str:
    """The model's reply to ``user_text``: a few plain sentences that show what it received.

    It echoes the text and its key words, names the latest image's size ("I see a 64x48 image."),
    and counts the conversation's turns (``history_turns`` completed before this one). A system
    instruction asking to "translate … to Spanish" (or another language) makes the reply the
    crude word-by-word translation, prefixed "[es]".
    """
    language = _requested_language(system_instruction)
    words = user_text.split()
    if language is not None and words:
        return _translate(words, language)
    sentences = []
    if words:
        echo = " ".join(words[:_ECHO_WORDS]).rstrip(".!?,;:")
        more = ", and so on" if len(words) > _ECHO_WORDS else ""
        sentences.append(f"You said: {echo}{more}.")
        topics = _key_words(user_text)
        if topics:
            sentences.append(f"Let me think about {_join_words(topics)}.")
    elif image is None:
        sentences.append("I am listening, but I did not catch any words.")
    if image is not None:
        sentences.append(f"I see a {image[0]}x{image[1]} image.")
    if history_turns > 0:
        sentences.append(f"This is turn {history_turns + 1} of our conversation.")
    else:
        sentences.append("This is the start of our conversation.")
    sentences.append("That is my answer.")
    return " ".join(sentences)


def _requested_language(system_instruction: str | None) -> str | None:
    if not system_instruction:
        return None
    match = _TRANSLATION_REQUEST.search(system_instruction)
    if match is None:
        return None
    name = match.group(1).lower()
    return _LANGUAGE_CODES.get(name, name[:2])


def _translate(words: list[str], language: str) -> str:
    table = _SPANISH if language == "es" else {}
    translated = []
    for word in words:
        core = word.strip(".,!?;:\"'")
        lead, _, rest = word.partition(core) if core else ("", "", word)
        replacement = table.get(core.lower(), core)
        if core[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        translated.append(lead + replacement + rest)
    return f"[{language}] " + " ".join(translated)


def _key_words(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for word in re.findall(r"[^\W\d_]{4,}", text):
        key = word.lower()
        if key not in _COMMON_WORDS and key not in seen:
            seen[key] = word
    return list(seen.values())[:_TOPIC_WORDS]


def _join_words(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def tool_result_text(name: str, response: Mapping[str, Any]) -> str:
    """The reply after a ``toolResponse``: it quotes the response's values.

    >>> tool_result_text("getWeather", {"temperature": 22, "condition": "sunny"})
    'getWeather says temperature 22, condition sunny.'
    """
    described = _describe(response).rstrip(".!?") or "nothing"
    return f"{name} says {described}."


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {_describe(item)}".rstrip() for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return " and ".join(_describe(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return str(value)


# -- Streaming and usage -------------------------------------------------------------------------

_WORDS_PER_CHUNK = 5


def split_chunks(text: str, n: int | None = None) -> list[str]:
    """Split a reply into ``n`` streaming chunks at word boundaries; ``"".join(chunks) == text``.

    By default about five words a chunk, and at least two chunks for four words or more. Each
    chunk keeps the whitespace after its last word, so chunks concatenate back exactly.

    >>> split_chunks("one two three four")
    ['one two ', 'three four']
    """
    pieces = re.findall(r"\s*\S+\s*", text)
    if not pieces:
        return [text] if text else []
    word_count = len(text.split())
    if n is None:
        n = max(2, math.ceil(word_count / _WORDS_PER_CHUNK)) if word_count >= 4 else 1
    n = max(1, min(n, len(pieces)))
    chunks = []
    for index in range(n):
        begin, end = index * len(pieces) // n, (index + 1) * len(pieces) // n
        chunks.append("".join(pieces[begin:end]))
    return chunks


def count_tokens(text: str) -> int:
    """A deterministic token estimate for ``usageMetadata``: about 4 tokens per 3 words.

    >>> count_tokens("hello there, how are you?")
    7
    """
    words = len(text.split())
    if words == 0:
        return 1 if text else 0
    return max(1, (4 * words + 1) // 3)  # rounded to the nearest whole token
