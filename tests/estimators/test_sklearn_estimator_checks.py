"""scikit-learn's estimator checks on the single-modality estimators fed plain 2-D arrays.

The multimodal estimators need a mapping of modalities as X, which the generic checks cannot
produce; their scikit-learn behaviour (clone, get/set_params, pickling, refit idempotence, input
validation) is tested in test_estimator_sklearn_api.py and test_estimator_inputs.py.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from mmalign_sk.estimators import UnimodalClassifier, UnimodalRegressor
from estimator_testing import one_torch_thread  # noqa: F401 (fixtures)

# The checks' toy problems have 2-4 features; a hidden width of 16 (instead of the default =
# input width) and lr=3e-2 let 20 epochs reach the accuracy the checks demand.
CONFIG = dict(encoder__width=16, lr=3e-2, max_epochs=20, batch_size=64, random_state=0)

SKORCH_DESIGN = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_, virtual_params_ and class-level "
        "bookkeeping (prefixes_, cuda_dependent_attributes_); encoder__* parameters are stored "
        "as attributes by skorch's prefix routing"),
    "check_do_not_raise_errors_in_init_or_set_params": (
        "skorch's set_params re-initialises callbacks immediately, so callbacks=-1 raises there "
        "rather than in fit"),
}


def _expected_failures(estimator):
    return SKORCH_DESIGN


@parametrize_with_checks(
    [UnimodalClassifier(device="cpu", **CONFIG), UnimodalRegressor(device="cpu", **CONFIG)],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check, one_torch_thread):
    check(estimator)
