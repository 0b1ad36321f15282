"""Evidence for AlignmentAdvisor's rule: PID shares and the best alignment weight per setting.

For each synthetic setting of the strategic study (STRATEGIC_QUICK: 2,048 samples, 2-fold
GridSearchCV over the alignment weight, two training seeds) this

1. estimates the PID of the setting's data with ``estimate_pid`` (20 clusters per modality), as
   ``AlignmentAdvisor.fit`` does, and its bias-corrected redundancy share;
2. takes the best weight lambda* found by the study's GridSearchCV (``summarize_strategic``);
3. validates the rule leave-one-setting-out: the rule fitted on the other settings
   predicts the held-out setting's weight.

It prints a markdown table and writes JSON with the rows (the ``DEFAULT_EVIDENCE`` of the
package are its (setting, share, best weight) columns).

    python benchmarks/bench_advisor.py [--out benchmarks/results/advisor.json] [--cache DIR]
"""

import argparse
import json
import platform
import time
import warnings

import numpy as np

from mmalign_sk.datasets import make_interaction_dataset
from mmalign_sk.estimators import AlignmentAdvisor
from mmalign_sk.estimators._advisor import _fit_rule
from mmalign_sk.experiments import (
    STRATEGIC_QUICK,
    STRATEGIC_SETTINGS,
    strategic_alignment_study,
    summarize_strategic,
)
from mmalign_sk.information import SmallSampleWarning


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/advisor.json")
    parser.add_argument("--cache", default=None, help="cache folder of the strategic sweep")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    table = strategic_alignment_study(**STRATEGIC_QUICK, cache_dir=args.cache, device="cpu",
                                      progress=False)
    best = {row["setting"]: row["best_weight"]
            for row in summarize_strategic(table, tol=0.005)["by_setting"]}
    sweep_s = time.perf_counter() - started

    rows = []
    for name in STRATEGIC_QUICK["settings"]:
        data = make_interaction_dataset(**STRATEGIC_SETTINGS[name],
                                        n_samples=STRATEGIC_QUICK["n_samples"], random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            advisor = AlignmentAdvisor(random_state=0).fit(data.X, data.y)
        p = advisor.pid_
        rows.append({
            "setting": name, "R": p.redundancy, "U1": p.unique_1, "U2": p.unique_2,
            "S": p.synergy, "I": p.mi_joint, "plugin_bias": p.extra["plugin_bias"],
            "redundancy_share": advisor.redundancy_share_, "best_weight": best[name],
            "recommended_default": advisor.recommendation_["alignment_weight"],
        })
    for i, row in enumerate(rows):
        others = [(r["setting"], r["redundancy_share"], r["best_weight"])
                  for j, r in enumerate(rows) if j != i]
        row["recommended_leave_one_out"] = float(
            _fit_rule(others).predict([row["redundancy_share"]])[0])

    header = ("| setting | R | U1 | U2 | S | I(X1,X2;Y) | bias | redundancy share | "
              "best weight (GridSearchCV) | recommended (leave one out) | recommended (default) |")
    print(header)
    print("|" + "---|" * 11)
    for r in rows:
        print(f"| {r['setting']} | {r['R']:.3f} | {r['U1']:.3f} | {r['U2']:.3f} | {r['S']:.3f} | "
              f"{r['I']:.3f} | {r['plugin_bias']:.3f} | {r['redundancy_share']:.3f} | "
              f"{r['best_weight']:g} | {r['recommended_leave_one_out']:.3g} | "
              f"{r['recommended_default']:.3g} |")
    agree = np.mean([(r["recommended_leave_one_out"] > 0) == (r["best_weight"] > 0) for r in rows])
    print(f"\nleave-one-out: align / do-not-align agrees with GridSearchCV on {agree:.0%} of the "
          f"settings; sweep {sweep_s:.0f} s (cached sweeps are not rerun)")
    print("DEFAULT_EVIDENCE = (\n" + "".join(
        f'    ("{r["setting"]}", {r["redundancy_share"]:.3f}, {r["best_weight"]:g}),\n'
        for r in rows) + ")")
    with open(args.out, "w") as fh:
        json.dump({"python": platform.python_version(), "settings": STRATEGIC_QUICK,
                   "rows": rows, "leave_one_out_agreement": agree}, fh, indent=1)


if __name__ == "__main__":
    main()
