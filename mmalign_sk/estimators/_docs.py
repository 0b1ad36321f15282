"""Parameter descriptions shared by the estimators' docstrings."""

ENCODER = """\
    encoder : {"mlp", "transformer", "gru", "cnn"}, torch.nn.Module class, or dict, default="mlp"
        Encoder of each modality, by name (see :mod:`mmalign_sk.encoders`) or class; a dict
        ``{modality: name_or_class}`` gives each modality its own. Our encoders take their input
        width from the data; another class is called as ``cls(**encoder_params)`` and should
        expose ``out_features`` (else it is found by a dry run) and, for ``embed_layers``,
        ``forward_layers``.
    encoder__<param> : any
        Constructor parameter of every modality's encoder, e.g. ``encoder__depth=3``.
    encoder__<modality>__<param> : any
        The same for one modality only (wins over ``encoder__<param>``), e.g.
        ``encoder__x1__depth=5``."""

TRAINING = """\
    criterion : torch loss class, default={criterion}
        Task loss applied to every modality's head (and the fused head); the losses are summed.
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Set its parameters with ``optimizer__<param>``, e.g. ``optimizer__weight_decay=1e-2``.
    lr : float, default=1e-3
    max_epochs : int, default=10
        Epochs per call of ``fit``.
    batch_size : int, default=128
        Training and inference batch size (-1: one batch).
    train_split : None or callable, default=None
        No internal validation split by default (cross-validation, e.g. ``GridSearchCV``, provides
        held-out data). For skorch's validation split with a fixed seed pass
        ``skorch.dataset.ValidSplit(0.2, random_state=0)``; it adds ``valid_loss``{valid_acc} to
        ``history_`` and enables callbacks such as ``EarlyStopping``.
    callbacks : None, "disable" or list of skorch callbacks, default=None
        Added to the default ones (epoch timer, losses{valid_acc_cb}, print log). ``Checkpoint``,
        ``LoadInitState``, ``EarlyStopping``, ``LRScheduler`` work as in skorch.
    iterator_train, iterator_valid : class, default=BatchIterator
        :class:`BatchIterator` cuts whole batches from tensors kept on ``device``; pass
        ``torch.utils.data.DataLoader`` for custom datasets.
    warm_start : bool, default=False
        Continue training on a further ``fit`` instead of re-initialising.
    verbose : int, default=0
        1 prints skorch's per-epoch table.
    progress_bar : bool, default=False
        Show skorch's ``ProgressBar`` (tqdm) over the batches of each epoch.
    device : "auto", str, torch.device or None, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU (``get_params`` keeps reporting
        ``"auto"``). The training data are moved to the device once, not per batch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation (each modality's branch from ``(seed, modality)``), the batch
        order and dropout (both from ``(seed, epoch)``, so a run resumed from a checkpoint repeats
        the uninterrupted one). The same value gives the same results on CPU. The global torch
        random state is left as it was.
    dataset, predict_nonlinearity, compile, use_caching, torch_load_kwargs
        As in ``skorch.NeuralNet``.
    **kwargs
        Further prefixed skorch parameters: ``optimizer__*``, ``iterator_train__*``,
        ``callbacks__*``, ..."""

CLASSIFIER_EXTRA = """\
    classes : None or list, default=None
        The class labels; inferred from ``y`` by default. Labels may be of any type."""

FITTED = """\
    Attributes
    ----------
    modalities_ : tuple of str
        The modalities the network has a branch for.
    input_shapes_ : dict of str to tuple
        Shape of one sample of each modality.
    module_ : MultimodalNetwork
        The trained network (``encoders``, ``heads``, ``projections``, ``fusion_head``).
    history_ : skorch.history.History
        Per-epoch records (``train_loss``, ...).
    seed_ : int
        The seed drawn from ``random_state`` for this fit.
    n_outputs_ : int
        Number of classes or regression targets.{classes}"""


def fill(template, **fields):
    return template.format(**fields)


def classifier_training():
    return TRAINING.format(criterion="torch.nn.CrossEntropyLoss", valid_acc=" and ``valid_acc``",
                           valid_acc_cb=", validation accuracy") + "\n" + CLASSIFIER_EXTRA


def regressor_training():
    return TRAINING.format(criterion="torch.nn.L1Loss (as in Fang et al., 2025)", valid_acc="",
                           valid_acc_cb="")


def fitted(classifier):
    extra = "\n    classes_ : ndarray\n        The class labels." if classifier else ""
    return FITTED.format(classes=extra)
