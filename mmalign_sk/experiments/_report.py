"""A study's report as text: the summary's sections and findings, rendered without touching a file
(writing them is :mod:`._reproduce`'s one thin step)."""

import json
from dataclasses import dataclass, field

#: The metric the summaries and figures report.
HEADLINE = "mutual_knn"

NO_MATPLOTLIB = "no figures (matplotlib is missing: pip install 'mmalign-sk[plot]')"


@dataclass(frozen=True)
class Report:
    """What a study reports beyond its table: the summary's ``(title, markdown)`` ``sections``,
    its ``findings``, extra output ``files`` (``{file name: text}``) and ``extra`` entries of
    ``summary.json``."""

    sections: list
    findings: list
    files: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def findings_lines(findings):
    """Two lines per finding: ``- [holds] claim`` (or ``does not hold``) and its evidence."""
    lines = []
    for f in findings:
        lines.append(f"- [{'holds' if f.holds else 'does not hold'}] {f.claim}")
        lines.append(f"  {f.evidence}")
    return lines


def summary_text(report, footer):
    """The summary (what ``summary.md`` holds and the command prints): each section under its
    title, the findings, then ``footer``."""
    lines = []
    for title, block in report.sections:
        lines += [f"### {title}", "", block, ""]
    if report.findings:
        lines += ["### Findings", ""] + findings_lines(report.findings) + [""]
    lines.append(footer)
    return "\n".join(lines)


def footer(n_rows, seconds, out, files, figures):
    """The summary's last line: rows, time, and the files written (``figures`` None: matplotlib
    is missing)."""
    drawn = NO_MATPLOTLIB if figures is None else ", ".join(figures) or "no figures"
    return (f"{n_rows} table rows in {seconds:.0f} s; outputs in {out}: {', '.join(files)}, "
            f"{drawn}")


def summary_json(report):
    """``summary.json``: the findings (``{claim, holds, evidence, statistic}``) and the extra
    entries."""
    content = {"findings": [f.to_dict() for f in report.findings], **report.extra}
    return json.dumps(content, indent=1) + "\n"
