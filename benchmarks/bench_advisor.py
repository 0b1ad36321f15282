"""Evidence for AlignmentAdvisor's rule: PID shares and the best alignment weight per setting.

For each synthetic setting of the strategic study (STRATEGIC_QUICK: every model trained to
convergence with early stopping, learning rate chosen on validation for every weight, three
seeds) this

1. estimates the PID of 2,048 samples of the setting with ``estimate_pid`` (20 clusters per
   modality), as ``AlignmentAdvisor.fit`` does, and its bias-corrected redundancy share;
2. takes the study's recommendation: lambda* (chosen on validation) when its paired test gain
   over lambda = 0 exceeds two standard errors, else 0 (``summarize_strategic``);
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
                                      progress=False, n_jobs=-1)
    study = {row["setting"]: row for row in summarize_strategic(table)["by_setting"]}
    best = {name: row["best_weight"] if row["gain"] > 2 * row["gain_se"] else 0.0
            for name, row in study.items()}
    sweep_s = time.perf_counter() - started

    rows = []
    for name in STRATEGIC_QUICK["settings"]:
        data = make_interaction_dataset(**STRATEGIC_SETTINGS[name], n_samples=2048,
                                        random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            advisor = AlignmentAdvisor(random_state=0).fit(data.X, data.y)
        p = advisor.pid_
        rows.append({
            "setting": name, "R": p.redundancy, "U1": p.unique_1, "U2": p.unique_2,
            "S": p.synergy, "I": p.mi_joint, "plugin_bias": p.extra["plugin_bias"],
            "redundancy_share": advisor.redundancy_share_, "best_weight": best[name],
            "lambda_star": study[name]["best_weight"], "gain": study[name]["gain"],
            "gain_se": study[name]["gain_se"],
            "recommended_default": advisor.recommendation_["alignment_weight"],
        })
    for i, row in enumerate(rows):
        others = [(r["setting"], r["redundancy_share"], r["best_weight"])
                  for j, r in enumerate(rows) if j != i]
        row["recommended_leave_one_out"] = float(
            _fit_rule(others).predict([row["redundancy_share"]])[0])

    header = ("| setting | R | U1 | U2 | S | I(X1,X2;Y) | bias | redundancy share | lambda* | "
              "gain ± SE | best weight (gain > 2 SE) | recommended (leave one out) | "
              "recommended (default) |")
    print(header)
    print("|" + "---|" * 13)
    for r in rows:
        print(f"| {r['setting']} | {r['R']:.3f} | {r['U1']:.3f} | {r['U2']:.3f} | {r['S']:.3f} | "
              f"{r['I']:.3f} | {r['plugin_bias']:.3f} | {r['redundancy_share']:.3f} | "
              f"{r['lambda_star']:g} | {r['gain']:+.3f} ± {r['gain_se']:.3f} | "
              f"{r['best_weight']:g} | {r['recommended_leave_one_out']:.3g} | "
              f"{r['recommended_default']:.3g} |")
    agree = np.mean([(r["recommended_leave_one_out"] > 0) == (r["best_weight"] > 0) for r in rows])
    exact = np.mean([r["recommended_leave_one_out"] == r["best_weight"] for r in rows])
    print(f"\nleave-one-setting-out: align / do-not-align agrees with the study on {agree:.0%} of "
          f"the settings, the weight itself on {exact:.0%}; sweep {sweep_s:.0f} s (cached cells "
          "are not rerun)")
    print("DEFAULT_EVIDENCE = (\n" + "".join(
        f'    ("{r["setting"]}", {r["redundancy_share"]:.3f}, {r["best_weight"]:g}),\n'
        for r in rows) + ")")
    with open(args.out, "w") as fh:
        json.dump({"python": platform.python_version(), "settings": STRATEGIC_QUICK,
                   "rows": rows, "leave_one_out_agreement": agree,
                   "leave_one_out_exact": exact}, fh, indent=1)


if __name__ == "__main__":
    main()
