"""Survey import time and per-answer re-evaluation (a script, not a test; issue 13).

    python bench/bench_import.py [ROWS] [QUESTIONS] [RELEVANTS] [ANSWERS]

1. Import: a generated XLSForm of ROWS (default 700) survey rows — groups, select_one and
   select_multiple questions over a choices sheet, integers with constraints, texts with
   `relevant` expressions, labels and hints in English, Hindi and Telugu — imported through
   the path `clusterbot survey import` takes: `loader.load_form` (pyxform's header rules,
   the model's checks, pyxform's whole conversion) and `bot.storage.surveys.import_form`
   into a fresh SQLite database. Five runs; min / median / max. Goal: <= 2 s.
2. Re-evaluation: a form of QUESTIONS (default 300) questions, RELEVANTS (default 200) of
   them with a `relevant` expression on earlier answers, answered start to end through
   `bot.surveys.runner.Runner` as the chat handler does for every answer: a Runner over
   the stored answers, the slot at the stored position, `submit` (constraint, required,
   calculations, the walk to the next relevant question). ANSWERS (default 3,000) answers
   in all, the form restarted when done; p50 / p99 / max per answer. Goal: p99 <= 5 ms.
   Then the same for an answer changed after /back (the whole form is walked again to
   drop answers no longer reached).

Prints peak RSS at the end.
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from bot.storage import surveys as store
from bot.storage.db import migrate
from bot.surveys.loader import load_form
from bot.surveys.model import Form
from bot.surveys.navigation import SlotKind
from bot.surveys.runner import Runner

LANGS = (("English (en)", "Question"), ("Hindi (hi)", "प्रश्न"), ("Telugu (te)", "ప్రశ్న"))


def write_form(path: Path, rows: int, questions: int | None = None, relevants: int = 0) -> int:
    """An XLSForm with `rows` survey rows (or `questions` questions, `relevants` of them
    relevant on earlier answers), in groups of 18; returns the number of survey rows."""
    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    header = ["type", "name"]
    header += [f"label::{lang}" for lang, _ in LANGS] + [f"hint::{lang}" for lang, _ in LANGS]
    header += ["relevant", "constraint"]
    header += [f"constraint_message::{lang}" for lang, _ in LANGS] + ["required"]
    survey.append(header)
    rng = random.Random(13)
    written, asked, relevant_left, group = 0, 0, relevants, 0
    names: list[tuple[str, str]] = []  # (name, type) of earlier questions
    budget = rows if questions is None else 10**9
    while written < budget - 2 and (questions is None or asked < questions):
        group += 1
        survey.append(["begin group", f"g{group}", *[f"Section {group}"] * 3])
        written += 1
        for _ in range(18):
            if written >= budget - 1 or (questions is not None and asked >= questions):
                break
            asked += 1
            kind = ("select_one yn", "integer", "select_multiple crops", "text")[asked % 4]
            name = f"q{asked}"
            relevant = ""
            want = relevant_left > 0 and names and (
                questions is None or rng.random() < relevant_left / max(1, questions - asked + 1)
            )  # fmt: skip
            if want:
                ref, ref_type = names[rng.randrange(max(0, len(names) - 30), len(names))]
                relevant = {
                    "select_one yn": f"${{{ref}}} = 'yes'",
                    "integer": f"${{{ref}}} > 2 or ${{{ref}}} = ''",
                    "select_multiple crops": f"selected(${{{ref}}}, 'wheat') or count-selected(${{{ref}}}) >= 0",  # noqa: E501
                    "text": f"string-length(${{{ref}}}) > 0",
                }[ref_type]
                relevant_left -= 1
            constraint = ". >= 0 and . <= 1000" if kind == "integer" else ""
            survey.append([
                kind, name, *[f"{word} {asked}" for _, word in LANGS],
                *[f"hint {asked}" for _ in LANGS], relevant, constraint,
                "0 to 1000" if constraint else "", "0 से 1000" if constraint else "",
                "0 నుండి 1000" if constraint else "",
                "yes" if asked % 7 == 0 else "",
            ])  # fmt: skip
            names.append((name, kind))
            written += 1
        survey.append(["end group"])
        written += 1
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *[f"label::{lang}" for lang, _ in LANGS]])
    for name in ("yes", "no"):
        choices.append(["yn", name, name.title(), f"{name} (hi)", f"{name} (te)"])
    for name in ("wheat", "rice", "cotton", "millet", "pulses", "sugarcane", "none"):
        choices.append(["crops", name, name.title(), f"{name} (hi)", f"{name} (te)"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Bench form", "bench", "1", "English (en)"])
    book.save(path)
    return written


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def bench_import(rows: int, tmp: Path) -> None:
    path = tmp / "bench_700.xlsx"
    written = write_form(path, rows)
    times = []
    for run in range(5):
        db_path = tmp / f"import{run}.db"
        started = time.perf_counter()
        report = load_form(path)
        conn = sqlite3.connect(db_path)
        conn.row_factory = sqlite3.Row
        migrate(conn)
        store.import_form(conn, report.form, now="2026-12-02T06:00:00+00:00")
        conn.commit()
        conn.close()
        times.append(time.perf_counter() - started)
    questions = store.question_count(report.form)
    print(
        f"import of a {written}-row XLSForm ({questions} questions, 3 languages,"
        f" {len(report.warnings)} warning(s)): min {min(times):.2f} s,"
        f" median {statistics.median(times):.2f} s, max {max(times):.2f} s (goal <= 2 s)"
    )


def answer_for(runner: Runner, slot_question_type: str, rng: random.Random) -> str:
    return {
        "select_one": rng.choice(("yes", "no")),
        "integer": str(rng.randrange(0, 6)),
        "select_multiple": rng.choice(("wheat", "rice cotton", "millet")),
    }.get(slot_question_type, "cotton cloth")


def bench_answers(form: Form, answers: int) -> None:
    rng = random.Random(7)
    stored: dict[str, str] = {}
    position: str | None = None
    forward: list[float] = []
    changed: list[float] = []
    today, now = date(2026, 12, 2), datetime(2026, 12, 2, 6, 0)
    done_forms = 0
    while len(forward) < answers:
        started = time.perf_counter()
        runner = Runner(form, stored, today=today, now=now, language="hi")
        slot = runner.at(position) if position else runner.start().slot
        if slot is None:
            done_forms += 1
            stored, position = {}, None
            continue
        value = answer_for(runner, slot.question.type, rng)
        step = runner.submit(slot, value)
        forward.append(time.perf_counter() - started)
        stored = runner.answers
        next_slot = getattr(step, "slot", None)
        position = next_slot.path if next_slot is not None else "done"
        if position == "done":
            done_forms += 1
            stored, position = {}, None
        # Every 10th answer: an earlier answer changed after /back.
        if len(forward) % 10 == 0 and len(stored) > 20:
            target = rng.choice([p for p in stored if "@" not in p])
            started = time.perf_counter()
            again = Runner(form, stored, today=today, now=now, language="hi")
            back = again.at(target)
            if back is not None and back.kind is SlotKind.QUESTION:
                again.submit(back, answer_for(again, back.question.type, rng))
                changed.append(time.perf_counter() - started)
    relevants = sum(1 for _, q in form.walk() if q.relevant)
    print(
        f"per answer on a {sum(1 for _ in form.walk())}-question form with {relevants}"
        f" relevant expressions ({len(forward)} answers, {done_forms} forms finished):"
        f" p50 {percentile(forward, 0.5) * 1000:.2f} ms, p99 {percentile(forward, 0.99) * 1000:.2f}"
        f" ms, max {max(forward) * 1000:.2f} ms (goal p99 <= 5 ms)"
    )
    if changed:
        print(
            f"an earlier answer changed after /back ({len(changed)} times, whole form walked):"
            f" p50 {percentile(changed, 0.5) * 1000:.2f} ms,"
            f" p99 {percentile(changed, 0.99) * 1000:.2f} ms"
        )


def main(rows: int, questions: int, relevants: int, answers: int) -> None:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bench_import(rows, tmp)
        path = tmp / "bench_300.xlsx"
        write_form(path, 0, questions=questions, relevants=relevants)
        form = load_form(path, key="bench300").form
        bench_answers(form, answers)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:5]]
    main(*(args + [700, 300, 200, 3000][len(args) :]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
