"""mmalign_sk: measure and control representation alignment between modality encoders.

Subpackages
-----------
metrics
    Alignment metrics (mutual kNN, CKA, CKNNA, SVCCA, ...) as fast functions and scikit-learn scorers.
datasets
    Synthetic generators (``make_*``) and real-data fetchers (``fetch_*``).
encoders
    Plain PyTorch modules (MLP, sequence encoders, small CNNs).
estimators
    skorch estimators: unimodal models and the alignment-regularised contrastive trainer.
features
    scikit-learn transformers producing audio, text and image features.
information
    Exact information quantities and partial information decomposition for discrete data.
"""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
