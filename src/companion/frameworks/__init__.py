"""Chapter "MNIST with Keras and PyTorch".

The same two models in both frameworks, and the evaluation measures (confusion matrix,
precision, recall, F1, ROC/AUC).

The framework modules are imported by name, not re-exported here, because their
names are the same on purpose (``keras_models.build_mlp``, ``torch_models.build_mlp``)
and because importing Keras fixes its backend for the process::

    from companion.frameworks import keras_models, torch_models
    from companion.frameworks.keras_backends import run_in_backend

The evaluation measures are NumPy only and are re-exported.
"""

from .evaluation import (
    ClassScores,
    RocCurve,
    area_under_curve,
    class_scores,
    confusion_matrix,
    most_confident_mistakes,
    one_vs_rest_roc,
    roc_curve,
)

__all__ = [
    "ClassScores",
    "RocCurve",
    "area_under_curve",
    "class_scores",
    "confusion_matrix",
    "most_confident_mistakes",
    "one_vs_rest_roc",
    "roc_curve",
]
