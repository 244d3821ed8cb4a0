"""Question media per language (media::image, media::audio, big-image, video; issue 13):
given with --media, stored with the form version, sent with the question in the reader's
language, so a respondent who cannot read hears the question; a missing file refuses the
import naming it. Also `guidance_hint` under the hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.storage import clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.errors import FormImportError
from bot.surveys.loader import load_form
from bot.surveys.model import form_from_json, form_to_json
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register

FORM = """\
| survey |
| | type | name | label::English (en) | label::Hindi (hi) | hint::English (en) | hint::Hindi (hi) | guidance_hint::English (en) | guidance_hint::Hindi (hi) | media::image::English (en) | media::image::Hindi (hi) | media::audio::English (en) | media::audio::Hindi (hi) |
| | select_one yn | loom | Do you own a loom? | क्या आपके पास करघा है? | Your own | अपना | Count pit looms too | गड्ढा करघा भी गिनें | loom_en.jpg | loom_hi.jpg | loom_en.ogg | loom_hi.ogg |
| | text | place | Where do you work? | आप कहाँ काम करते हैं? | | | | | map.png | | | |
| choices |
| | list_name | name | label::English (en) | label::Hindi (hi) |
| | yn | yes | Yes | हाँ |
| | yn | no | No | नहीं |
| settings |
| | form_id | version |
| | loom_media | 1 |
"""  # noqa: E501

FILES = {
    "loom_en.jpg": b"\xff\xd8 english picture",
    "loom_hi.jpg": b"\xff\xd8 hindi picture",
    "loom_en.ogg": b"OggS english voice",
    "loom_hi.ogg": b"OggS hindi voice",
    "map.png": b"\x89PNG map",
}


@pytest.fixture
def form_path(tmp_path: Path) -> Path:
    path = tmp_path / "loom.md"
    path.write_text(FORM, encoding="utf-8")
    return path


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_missing_media_file_refuses_the_import_naming_it(
    form_path: Path, media_dir: Path
) -> None:
    (media_dir / "loom_hi.ogg").unlink()
    with pytest.raises(FormImportError) as caught:
        load_form(form_path, media=media_dir)
    (problem,) = caught.value.problems
    assert problem.row == 2 and problem.column == "media::audio::Hindi (hi)"
    assert "'loom_hi.ogg'" in problem.message and "--media" in problem.message
    with pytest.raises(FormImportError) as caught:
        load_form(form_path)  # nothing given and nothing beside the form: all five named
    assert sorted(p.message.split("'")[1] for p in caught.value.problems) == sorted(FILES)


def test_media_are_read_per_language_and_kept_with_the_form(
    form_path: Path, media_dir: Path
) -> None:
    report = load_form(form_path, media=media_dir)
    assert report.warnings == []
    loom = report.form.question("loom")
    assert loom.media == {
        "image": {"en": "loom_en.jpg", "hi": "loom_hi.jpg"},
        "audio": {"en": "loom_en.ogg", "hi": "loom_hi.ogg"},
    }
    assert loom.guidance == {"en": "Count pit looms too", "hi": "गड्ढा करघा भी गिनें"}
    assert report.media == FILES and set(report.form.media) == set(FILES)
    assert form_from_json(form_to_json(report.form)) == report.form
    # Files beside the form are found too, as Kobo and ODK keep them.
    for name, data in FILES.items():
        (form_path.parent / name).write_bytes(data)
    assert load_form(form_path).form == report.form


def test_pictures_of_choices_are_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "f.md"
    path.write_text(
        "| survey |\n| | type | name | label |\n| | select_one c | a | A? |\n"
        "| choices |\n| | list_name | name | label | image |\n| | c | x | X | x.jpg |\n",
        encoding="utf-8",
    )
    report = load_form(path)
    assert report.codes == ["media_column"] and "choices sheet, row 2" in report.warnings[0]


async def _install(db: Database, form_path: Path, media_dir: Path) -> None:
    report = load_form(form_path, media=media_dir)
    await db.write(lambda conn: store.import_form(conn, report.form, now="x", media=report.media))


async def test_the_question_is_sent_with_its_picture_and_voice_in_the_readers_language(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, form_path: Path, media_dir: Path
) -> None:
    await _install(db, form_path, media_dir)
    store._MEDIA.clear()  # read from the database, not from the import
    hindi = ChatDriver(engine, user_id="2001", profile_name="Sunita")
    await register(hindi, language="lang:hi")
    await hindi.say("/survey loom_media")
    media = [(m.media.kind, m.media.filename, m.media.data) for m in hindi.last if m.media]
    assert media == [
        ("photo", "loom_hi.jpg", FILES["loom_hi.jpg"]),
        ("audio", "loom_hi.ogg", FILES["loom_hi.ogg"]),
    ]
    question = hindi.last[-1]
    assert question.media is None and "क्या आपके पास करघा है?" in question.text
    assert "गड्ढा करघा भी गिनें" in question.text  # guidance_hint, under the hint
    assert question.text.index("अपना") < question.text.index("गड्ढा करघा")
    # A refused answer asks again without sending the files again.
    await hindi.say("/back")
    assert not any(m.media for m in hindi.last)
    # The next question has only an English picture: it is shown to a Hindi reader too.
    await hindi.tap("हाँ")
    assert [m.media.filename for m in hindi.last if m.media] == ["map.png"]

    english = ChatDriver(engine, user_id="2002", profile_name="Ravi")
    await register(english)
    await english.say("/survey loom_media")
    assert [m.media.filename for m in english.last if m.media] == ["loom_en.jpg", "loom_en.ogg"]
    assert "Count pit looms too" in english.last[-1].text


async def test_import_refuses_a_form_whose_media_were_not_given(
    db: Database, form_path: Path, media_dir: Path
) -> None:
    report = load_form(form_path, media=media_dir)
    with pytest.raises(store.SurveyConflict, match=r"loom_en\.jpg"):
        await db.write(lambda conn: store.import_form(conn, report.form, now="x"))
