"""The library's staff forms in plain text: a quiz is written as questions separated by a blank
line, each followed by its choices, the right one starting with "*" and the others with "-":

    Whom do you call in an emergency?
    - Nobody
    * 112
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import InvalidInput


def parse_quiz(text: str) -> list[dict[str, Any]]:
    quiz = []
    for number, block in enumerate(_blocks(text), start=1):
        question, *lines = block
        choices, answer = [], None
        for line in lines:
            mark, choice = line[:1], line[1:].strip()
            if mark not in "*-" or not choice:
                raise InvalidInput(
                    'Question %(number)s: each choice starts with "*" or "-".', number=number
                )
            if mark == "*":
                if answer is not None:
                    raise InvalidInput(
                        "Question %(number)s has more than one right choice.", number=number
                    )
                answer = len(choices)
            choices.append(choice)
        if answer is None:
            raise InvalidInput(
                'Question %(number)s: mark the right choice with "*".', number=number
            )
        quiz.append({"question": question, "choices": choices, "answer": answer})
    return quiz


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def quiz_text(quiz: list[dict[str, Any]]) -> str:
    return "\n\n".join(
        "\n".join(
            [q["question"]]
            + [("* " if i == q["answer"] else "- ") + c for i, c in enumerate(q["choices"])]
        )
        for q in quiz
    )


def moment(value: str, zone: str) -> datetime | None:
    """A time from a datetime-local field, as the clock reads in `zone` (the prison's: the form
    shows times there too), in UTC; empty: none."""
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("Times are written YYYY-MM-DD HH:MM.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)
