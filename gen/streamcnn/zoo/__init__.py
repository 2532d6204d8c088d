"""Model builders: the paper's SVHN topology and randomised small CNNs for testing."""
from .paper import svhn_cnn
from .calibrate import calibrate_batchnorm, prune_magnitude, untrained_svhn, wrap_for_pruning

__all__ = ["svhn_cnn", "calibrate_batchnorm", "prune_magnitude", "untrained_svhn", "wrap_for_pruning"]
