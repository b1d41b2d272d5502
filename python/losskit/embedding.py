"""Deprecated: embedding losses moved to `losskit.metric_learning`, `losskit.ranking` (the package is now sorted
into one module per family). Importing a name from here still works, with a
DeprecationWarning; this module goes in the next release."""
from ._internal.deprecation import moved

__all__ = ["contrastive_loss", "cosine_embedding_loss", "hinge_embedding_loss", "triplet_margin_loss", "ntxent_loss", "margin_ranking_loss"]
__getattr__ = moved(__name__, {'contrastive_loss': 'metric_learning', 'cosine_embedding_loss': 'metric_learning', 'hinge_embedding_loss': 'metric_learning', 'triplet_margin_loss': 'metric_learning', 'ntxent_loss': 'metric_learning', 'margin_ranking_loss': 'ranking'})
