"""The outputs the README and the results page show are the recorded runs' outputs.

That the README's example runs on its own and prints what it says is checked with every other
documented block in tests/test_docs.py."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _recorded_summary(name):
    """What the study printed in its recorded benchmark run, without the closing timing line."""
    record = ROOT / "benchmarks" / "results" / name
    summary = json.loads(record.read_text()).get("summary_md") if record.is_file() else None
    if summary is None:
        pytest.skip(f"{record.name} holds no recorded summary yet (run the benchmark that writes it)")
    return [line for line in summary.strip().splitlines() if not re.match(r"\d+ table rows in ", line)]


def _text_block_after(markdown, marker):
    return re.search(r"```text\n(.*?)^```", markdown[markdown.index(marker):], re.M | re.S).group(1)


def test_readme_output_is_the_recorded_run():
    recorded = _recorded_summary("first_contact.json")
    shown = _text_block_after((ROOT / "README.md").read_text(), "What the main job printed")
    assert all(line in recorded for line in shown.strip().splitlines())


@pytest.mark.parametrize("study, record", [("emergence", "first_contact.json"),
                                           ("strategic", "strategic_quick.json")])
def test_results_page_shows_the_recorded_runs(study, record):
    recorded = _recorded_summary(record)
    shown = _text_block_after((ROOT / "docs" / "results.md").read_text(),
                              f"`mmalign reproduce {study} --quick` printed:")
    lines = [line for line in shown.strip().splitlines() if not re.match(r"\d+ table rows in ", line)]
    assert lines == recorded
