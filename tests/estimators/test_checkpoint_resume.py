import numpy as np
import torch
from skorch.callbacks import Callback, Checkpoint, LoadInitState

from mmalign_sk.estimators import AlignedContrastiveClassifier
from estimator_testing import one_torch_thread, data  # noqa: F401 (fixtures)

PARAMS = dict(encoder__depth=2, alignment_weight=0.5, batch_size=64, lr=1e-2, random_state=4)


class InterruptDuringEpoch(Callback):
    """Raises KeyboardInterrupt in the middle of epoch ``epoch`` (as Ctrl-C or a killed job)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training and len(net.history) == self.epoch and len(net.history[-1]["batches"]) == 2:
            raise KeyboardInterrupt


def _checkpoint(directory):
    # without a validation split, save after every epoch (monitor=None)
    return Checkpoint(monitor=None, dirname=str(directory))


def test_resume_after_interruption_repeats_the_uninterrupted_run(data, tmp_path):
    X, y = data
    reference = AlignedContrastiveClassifier(max_epochs=6, **PARAMS).fit(X, y)

    # a 6-epoch run killed during epoch 4: the checkpoint holds epochs 1-3
    cp = _checkpoint(tmp_path)
    interrupted = AlignedContrastiveClassifier(
        max_epochs=6, callbacks=[cp, InterruptDuringEpoch(4)], **PARAMS).fit(X, y)
    assert len(interrupted.history_) == 4  # the 4th epoch is incomplete

    # a new process: same configuration, LoadInitState restores weights, optimizer and history,
    # then the remaining 3 epochs are trained
    cp = _checkpoint(tmp_path)
    resumed = AlignedContrastiveClassifier(max_epochs=3, callbacks=[cp, LoadInitState(cp)],
                                           **PARAMS).fit(X, y)
    assert len(resumed.history_) == 6
    assert [row["epoch"] for row in resumed.history_] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(resumed.history_[:, "train_loss"],
                               reference.history_[:, "train_loss"], rtol=1e-6)
    ref_state, res_state = reference.module_.state_dict(), resumed.module_.state_dict()
    assert ref_state.keys() == res_state.keys()
    for key in ref_state:  # bit for bit on CPU
        torch.testing.assert_close(res_state[key], ref_state[key], rtol=0, atol=0)
    np.testing.assert_allclose(resumed.predict_proba(X), reference.predict_proba(X), rtol=1e-5,
                               atol=1e-6)
