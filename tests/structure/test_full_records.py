"""Committed full-profile records (records/full/*.jsonl) match the book: each file names a chapter
of _toc.yml (its slug), each claim key is one the chapter's source still makes, and each record
carries its kind (claims), status, commit and date.

Keys are read from the ``.claim(key, ...)`` calls of the chapter's code cells: a literal key
exactly, an f-string key as a pattern (its ``{...}`` parts match any text), both branches of a
conditional key; a chapter whose keys come from a variable cannot be checked statically, and its
keys are accepted (bookkit.full.claim_keys says so).
"""

from pathlib import Path

from bookkit.full import FULL_RECORDS, check_records

ROOT = Path(__file__).resolve().parents[2]


def test_full_records_name_existing_chapters_and_claims():
    problems = check_records(ROOT)
    assert not problems, "records/full does not match the book:\n" + "\n".join(problems)


def test_full_records_folder_holds_only_records():
    folder = ROOT / FULL_RECORDS
    if folder.is_dir():
        other = [
            p.name
            for p in folder.iterdir()
            if p.suffix != ".jsonl" and p.name != ".gitkeep"
        ]
        assert not other, (
            f"{FULL_RECORDS} holds files that are not chapter records: {other}"
        )
