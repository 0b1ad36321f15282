"""A finding: one claim of a paper checked on a study's table."""

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """One claim, whether the table supports it, and why.

    Every study's ``summarize`` returns its findings as a list of these, synthetic and real data
    alike; ``summary.json`` holds them as ``{"claim", "holds", "evidence", "statistic"}``.

    ``claim`` is what the paper says, stated so that the table can confirm or refute it;
    ``evidence`` the numbers the decision rests on, in words; ``statistic`` the one number the
    decision compares with its threshold (a mean correlation, a paired gain, a count), or None
    when the claim could not be measured on this table.

    Examples
    --------
    >>> from mmalign_sk.experiments import Finding
    >>> Finding("alignment rises with lambda", 0.95 >= 0.9, "min rho = +0.95", 0.95).to_dict()
    {'claim': 'alignment rises with lambda', 'holds': True, 'evidence': 'min rho = +0.95', \
'statistic': 0.95}
    """

    claim: str
    holds: bool
    evidence: str
    statistic: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "holds", bool(self.holds))
        if self.statistic is not None:
            object.__setattr__(self, "statistic", float(self.statistic))

    def to_dict(self):
        """The finding as a JSON-ready dict (a NaN statistic becomes None)."""
        out = asdict(self)
        if out["statistic"] is not None and math.isnan(out["statistic"]):
            out["statistic"] = None
        return out
