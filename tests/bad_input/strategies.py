"""Hostile values for forms and requests: control characters, NUL bytes, huge strings,
unicode, negative and huge numbers, bad dates, wrong choices, missing fields."""

from hypothesis import strategies as st

HUGE = "x" * 100_000

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=40),
    st.text(alphabet="\x00\x01\x07\x08\x0b\x0c\x1b\x7f\u200b\u202e\ufeff", max_size=10),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            HUGE,
            "ä" * 5_000,
            "=cmd|' /C calc'!A0",
            "<script>alert(1)</script>",
            "'; DROP TABLE rollout_person; --",
            "../../etc/passwd",
            "-1",
            "0",
            "-99999999999999999999",
            "99999999999999999999999999",
            "1e308",
            "NaN",
            "inf",
            "3.5",
            "2024-02-30",
            "0000-00-00",
            "9999-12-31",
            "10000-01-01",
            "2024-13-01T25:61",
            "1970-01-01T00:00",
            "not-a-uuid",
            "00000000-0000-0000-0000-000000000000",
            "on",
            "true",
            "http://",
            "javascript:alert(1)",
            "a@b",
            "@@",
            "x@example.com\x00",
            "\U0001d518\U0001d52b\U0001d526 \U0001f389",  # mathematical letters, an emoji
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
)

# A field is missing, given once, or given several times (multi-value fields, duplicated keys).
field_value = st.one_of(
    st.none(),
    hostile_text.map(lambda value: [value]),
    st.lists(hostile_text, min_size=2, max_size=4),
)


def form_data(names: list[str]):
    """A strategy of `{name: [values]}` (missing fields left out) for the given field names."""
    return st.fixed_dictionaries(dict.fromkeys(names, field_value)).map(
        lambda data: {name: values for name, values in data.items() if values is not None}
    )


def contains_nul(value) -> bool:
    """True when a string anywhere in `value` (lists, dicts, tuples) holds a NUL byte."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(v) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(contains_nul(v) for v in value)
    return False
