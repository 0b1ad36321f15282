"""The ``mmalign`` command line.

Sub-commands
------------
``mmalign example-pair OUT_DIR``
    Write an example pair of embedding files (``A.npy``, ``B.npy``) that share part of a latent space.
``mmalign score A.npy B.npy [--permutations K]``
    Print every alignment metric (or those given with ``--metric``) between two embedding files,
    with its range and, with ``--permutations``, its chance level, p-value and calibrated score.
``mmalign reproduce {emergence,strategic,vision-language,mmimdb} [--quick]``
    Run a paper's study end to end, writing tables and figures and printing a summary; each
    study's ``--help`` lists its datasets, presets (the paper's values and ours) and outputs.
"""

import argparse
import json
import os
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

class CommandError(Exception):
    """A problem with what the command was asked to do: printed as ``error: ...``, exit status 2."""


#: A compressed ``.npz`` member may expand to at most this many times its stored size.
MAX_COMPRESSION_RATIO = 1000


def _check_header(path, shape, dtype, data_bytes):
    """Refuse what an ``.npy`` header describes unless it is a numeric matrix the file holds."""
    if dtype.hasobject or dtype.kind not in "biuf":
        raise CommandError(f"{path} holds an array of dtype {dtype}; expected numbers (an "
                           "integer or float dtype, no Python objects, strings or fields)")
    if len(shape) != 2 or 0 in shape:
        raise CommandError(f"{path} holds an array of shape {tuple(shape)}; expected a non-empty "
                           "2-D array (n_samples, n_features)")
    claimed = int(shape[0]) * int(shape[1]) * dtype.itemsize
    if claimed != data_bytes:
        raise CommandError(f"{path}: its header claims shape {tuple(shape)} of {dtype} "
                           f"({claimed:,} bytes) but it holds {data_bytes:,} bytes of data "
                           "(truncated or corrupt)")


def _read_header(f, path, size):
    """Check the header of the ``.npy`` stream ``f`` of ``size`` bytes before reading its data."""
    try:
        version = np.lib.format.read_magic(f)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read(f)
    except (ValueError, OSError, EOFError) as exc:
        raise CommandError(f"could not read {path}: not a readable .npy array: {exc}") from exc
    _check_header(path, shape, dtype, size - f.tell())


def _load_npz(path):
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) != 1:
                raise CommandError(f"{path} must hold exactly one array; it holds "
                                   f"{[m.filename for m in members]}")
            info = members[0]
            if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise CommandError(
                    f"{path}: {info.filename} would expand from {info.compress_size:,} to "
                    f"{info.file_size:,} bytes, more than MAX_COMPRESSION_RATIO = "
                    f"{MAX_COMPRESSION_RATIO} times (a zip bomb?)")
            with archive.open(info) as f:
                _read_header(f, f"{path} ({info.filename})", info.file_size)
        with np.load(path, allow_pickle=False) as archive:
            return archive[archive.files[0]]
    except zipfile.BadZipFile as exc:
        raise CommandError(f"could not read {path}: not a valid .npz (zip) file: {exc}") from exc


def _load_matrix(path):
    """Read an embedding matrix, refusing anything but a numeric 2-D array before allocating it.

    ``.npy`` and ``.npz`` headers are checked against the bytes the file holds (a header may
    claim any shape); object, string and structured dtypes, and arrays that are not 2-D, are
    refused. Every refusal is a :class:`CommandError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"no such file: {path}" if not path.exists()
                           else f"{path} is not a regular file")
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz", ".csv", ".txt", ".tsv"):
        raise CommandError(f"{path}: expected a .npy, .npz, .csv, .tsv or .txt file; got "
                           f"'{suffix}'")
    try:
        if suffix == ".npy":
            with open(path, "rb") as f:
                _read_header(f, path, os.fstat(f.fileno()).st_size)
            matrix = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            matrix = _load_npz(path)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                matrix = np.loadtxt(path, ndmin=2, delimiter={".tsv": "\t", ".csv": ","}.get(
                    suffix))
    except (ValueError, OSError, EOFError) as exc:
        raise CommandError(f"could not read {path}: {exc}") from exc
    _check_header(path, matrix.shape, matrix.dtype, matrix.nbytes)
    return matrix


def _argument(convert, accept, expected):
    """An argparse type: ``convert(text)``, refused with "expected ..." unless ``accept`` holds."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {value}")
        return value

    return parse


_positive_int = _argument(int, lambda v: v >= 1, "an integer >= 1")
#: a joblib worker count: any integer but 0
_n_jobs = _argument(int, lambda v: v != 0, "a non-zero integer (-1 uses every CPU)")
_quantile = _argument(float, lambda v: 0.0 < v <= 1.0, "a number in (0, 1]")
#: a seed numpy accepts
_seed = _argument(int, lambda v: 0 <= v <= 2**32 - 1, "an integer from 0 to 2**32 - 1")
_level = _argument(float, lambda v: 0.0 < v < 1.0, "a number in (0, 1)")
_positive = _argument(float, lambda v: v > 0.0, "a number > 0")


def _check_device(device):
    """Refuse an unknown device, or CUDA on a machine without it, before any work starts."""
    from .metrics._backend import resolve_device

    resolve_device(device)


def _metric_params(name, args):
    from .metrics._registry import metric_accepts

    params = {"device": args.device, "clip_quantile": None if args.no_clip else args.clip_quantile}
    given = {"topk": args.topk, "kernel": args.kernel, "sigma": args.sigma, "cca_dim": args.cca_dim}
    params.update({k: v for k, v in given.items() if v is not None and metric_accepts(name, k)})
    return params


def _score_row(name, A, B, args):
    """One metric's line of ``mmalign score``: its value and range, and with ``--permutations``
    its chance level, p-value and calibrated value."""
    from .metrics import alignment_test, get_metric

    metric = get_metric(name, **_metric_params(name, args))
    low, high = metric.score_range
    row = {"metric": name, "range": [low, high], "greater_is_better": metric.greater_is_better}
    if not args.permutations:
        return {**row, "value": metric(A, B)}
    result = alignment_test(A, B, metric, n_permutations=args.permutations, alpha=args.alpha,
                            random_state=args.random_state)
    return {**row, "value": result.score, "chance": result.null_mean, "null_std": result.null_std,
            "threshold": result.threshold, "p_value": result.p_value,
            "calibrated": result.calibrated_score}


def _range_text(row):
    low, high = row["range"]
    return f"{low:g}..{high:g} {'higher' if row['greater_is_better'] else 'lower'}"


def example_pair(out_dir, n_samples=2000, random_state=0):
    """Write ``A.npy`` (n, 32) and ``B.npy`` (n, 24) sharing 8 of 16 latent dimensions.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if missing).
    n_samples : int >= 1, default=2000
    random_state : int >= 0 or None, default=0

    Returns
    -------
    (Path, Path)
        The two files written.
    """
    from ._checks import check_int

    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if random_state is not None:
        random_state = check_int(random_state, "random_state", minimum=0)
    rng = np.random.default_rng(random_state)
    Z = rng.normal(size=(n_samples, 16))
    A = Z @ rng.normal(size=(16, 32)) + 0.1 * rng.normal(size=(n_samples, 32))
    shared = Z[:, :8]
    unique_b = rng.normal(size=(n_samples, 8))
    B = np.tanh(np.hstack([shared, unique_b]) @ rng.normal(size=(16, 24)) / 4.0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "A.npy", A.astype(np.float32))
    np.save(out / "B.npy", B.astype(np.float32))
    return out / "A.npy", out / "B.npy"


def _cmd_example_pair(args):
    a, b = example_pair(args.out_dir, n_samples=args.n_samples, random_state=args.random_state)
    print(f"wrote {a} and {b}")
    print(f"score them with: mmalign score {a} {b}")
    return 0


def _cmd_score(args):
    from .metrics import list_metrics, reuse_representations
    from .metrics._validation import check_paired

    _check_device(args.device)
    if args.permutations:
        from .metrics._calibration import check_test_params

        check_test_params(args.permutations, args.alpha)
    A, B = _load_matrix(args.a), _load_matrix(args.b)
    names = args.metric or list_metrics()
    unknown = [m for m in names if m not in list_metrics()]
    if unknown:
        raise CommandError(
            f"unknown metric(s) {unknown}; known metrics: {', '.join(list_metrics())}")
    try:  # problems of the pair itself (row counts, shapes, NaN) are stated once, not per metric
        check_paired(A, B, min_samples=1)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"{args.a} and {args.b}: {exc}") from None
    rows = []
    with reuse_representations():  # each matrix is preprocessed and its kNN lists computed once
        for name in names:
            start = time.perf_counter()
            try:
                row = {**_score_row(name, A, B, args), "error": None}
            except (ValueError, TypeError) as exc:
                row = {"metric": name, "value": None, "error": str(exc)}
            rows.append({**row, "seconds": time.perf_counter() - start})
    failed = any(r["error"] is not None for r in rows)
    if args.json:
        test = ({"permutations": args.permutations, "alpha": args.alpha,
                 "random_state": args.random_state} if args.permutations else None)
        print(json.dumps({"A": str(args.a), "B": str(args.b), "n_samples": int(A.shape[0]),
                          "test": test, "results": rows}, indent=2))
        return 1 if failed else 0
    print(f"A: {args.a} {tuple(A.shape)}   B: {args.b} {tuple(B.shape)}")
    width = max(len(r["metric"]) for r in rows)
    head = f"{'metric':<{width}}  {'score':>8}  {'range, better':<15}"
    tested = ("chance", "p-value", "calibrated") if args.permutations else ()
    print(head + "".join(f"  {h:>10}" for h in tested) + f"  {'seconds':>8}")
    for r in rows:
        if r["error"] is not None:
            print(f"{r['metric']:<{width}}  {'error':>8}  ({r['error']})")
            continue
        line = f"{r['metric']:<{width}}  {r['value']:8.4f}  {_range_text(r):<15}"
        if args.permutations:
            line += f"  {r['chance']:10.4f}  {r['p_value']:10.4f}  {r['calibrated']:10.4f}"
        print(line + f"  {r['seconds']:8.3f}")
    if args.permutations:
        print(f"chance: mean of {args.permutations} scores with B's rows shuffled; p-value: share of "
              "them (add-one) at or above the score;\n"
              f"calibrated: (score - threshold) / (max - threshold), 0 unless p <= {args.alpha}, "
              f"threshold the {1 - args.alpha:g} quantile of the shuffled scores.")
    return 1 if failed else 0


def _cmd_reproduce(args):
    from .experiments import reproduce
    from .experiments._registry import get_study

    _check_device(args.device)
    study = get_study(args.study)
    params = {kw["dest"]: getattr(args, kw["dest"]) for _, kw in study.options}
    params["data_home"] = getattr(args, "data_home", None)
    reproduce(
        args.study,
        out_dir=args.out or f"mmalign_{args.study}",
        quick=args.quick,
        dataset=args.dataset,
        random_state=args.random_state,
        progress=not args.no_progress,
        device=args.device,
        n_jobs=args.n_jobs,
        **{k: v for k, v in params.items() if v is not None},
    )
    return 0


def _shown(value):
    if isinstance(value, tuple) and len(value) > 6:
        return f"({', '.join(map(repr, value[:3]))}, ... {len(value)} values)"
    return repr(value)


def _study_description(study):
    """A study's help: its datasets, its presets (each value the paper's or ours), its outputs."""
    lines = [study.help, "", "datasets (--dataset; the first is the default):"]
    lines += [f"  {src.name}: {src.help}" for src in study.sources.values()]
    groups = {}
    for src in study.sources.values():
        groups.setdefault(id(src.presets), (src.presets, []))[1].append(src.name)
    lines += ["", "presets (full by default, --quick); [paper]: the paper's value, [ours]: ours"]
    for presets, names in groups.values():
        lines.append(f"  {', '.join(names)}:")
        for name, full in presets["full"].items():
            line = f"    {name} = {_shown(full.value)} [{full.origin}]"
            if name in presets["quick"]:
                quick = presets["quick"][name]
                line += f"; quick {_shown(quick.value)} [{quick.origin}]"
            lines.append(line)
    lines += ["", "outputs (in --out): " + ", ".join(study.outputs)]
    return "\n".join(lines)


def _add_study(studies, study):
    """``mmalign reproduce STUDY``'s parser, from the study's description."""
    parser = studies.add_parser(study.name, help=study.help,
                                description=_study_description(study),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="the quick preset: the paper's experiment made smaller")
    parser.add_argument("--out", default=None,
                        help=f"output folder (default mmalign_{study.name}); reruns skip "
                             "finished cells")
    parser.add_argument("--dataset", choices=list(study.sources), default=None,
                        help="the source of data (default: the first listed above)")
    if any("data_home" in src.data for src in study.sources.values()):
        parser.add_argument("--data-home", default=None,
                            help="where real datasets live (default $MMALIGN_DATA)")
    parser.add_argument("--random-state", type=_seed, default=0, help="seed of the data and splits")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    parser.add_argument("--n-jobs", type=_n_jobs, default=-1,
                        help="models trained at once, one thread each (default -1: every core)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    for flag, kwargs in study.options:
        parser.add_argument(flag, **kwargs)
    parser.set_defaults(func=_cmd_reproduce)


def build_parser():
    """The argument parser of the ``mmalign`` command."""
    parser = argparse.ArgumentParser(prog="mmalign", description="Measure representation alignment between modalities.")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="print alignment metrics between two embedding files")
    score.add_argument("a", help="embeddings of modality A: .npy/.npz/.csv, shape (n_samples, d_A)")
    score.add_argument("b", help="embeddings of modality B: same rows (paired samples), shape (n_samples, d_B)")
    score.add_argument("--metric", action="append", help="metric to compute (repeatable); default: all")
    score.add_argument("--topk", type=_positive_int, default=None, help="neighbourhood size of the kNN metrics (default 10)")
    score.add_argument("--kernel", choices=("linear", "rbf"), default=None,
                       help="kernel of cka and unbiased_cka (default linear)")
    score.add_argument("--sigma", type=_positive, default=None,
                       help="RBF bandwidth of cka and unbiased_cka with --kernel rbf (default 1.0; rows "
                            "are L2-normalised, so distances lie in 0..2)")
    score.add_argument("--cca-dim", type=_positive_int, default=None,
                       help="directions kept by svcca (default min(10, d_A, d_B, n_samples))")
    score.add_argument("--permutations", type=_positive_int, default=None, metavar="K",
                       help="permutation test: print each metric's chance level, p-value and "
                            "calibrated score from K shuffles of B's rows (e.g. 1000)")
    score.add_argument("--alpha", type=_level, default=0.05,
                       help="level of the permutation test (default 0.05)")
    score.add_argument("--random-state", type=_seed, default=0,
                       help="seed of the permutations (default 0)")
    score.add_argument("--clip-quantile", type=_quantile, default=0.95, help="outlier clipping quantile (default 0.95)")
    score.add_argument("--no-clip", action="store_true", help="do not clip outliers")
    score.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    score.add_argument("--json", action="store_true", help="print JSON instead of a table")
    score.set_defaults(func=_cmd_score)

    from .experiments._registry import STUDIES  # the study descriptions: no heavy library

    rep = sub.add_parser("reproduce", help="run a paper's study end to end (tables, figures, summary)",
                         description="Run a paper's study end to end: its table, summary and "
                                     "figures in a folder. `mmalign reproduce STUDY --help` lists "
                                     "the study's datasets, presets and outputs.")
    studies = rep.add_subparsers(dest="study", required=True, metavar="STUDY")
    for study in STUDIES.values():
        _add_study(studies, study)

    pair = sub.add_parser("example-pair", help="write an example pair of embedding files")
    pair.add_argument("out_dir", help="folder to write A.npy and B.npy to")
    pair.add_argument("--n-samples", type=_positive_int, default=2000)
    pair.add_argument("--random-state", type=_seed, default=0)
    pair.set_defaults(func=_cmd_example_pair)
    return parser


def main(argv=None):
    """Entry point of the ``mmalign`` console script.

    Bad arguments and failures caused by the inputs (missing or unreadable files, values the
    library refuses) print ``mmalign: error: ...`` without a traceback and exit with status 2, as
    argparse does for bad options.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CommandError, ValueError, TypeError, OSError) as exc:
        parser.exit(2, f"{parser.prog} {args.command}: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog} {args.command}: interrupted\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
