"""The Golub et al. (1999) leukemia gene-expression data."""

from dataclasses import dataclass
from importlib import resources

import numpy as np

CITATION = (
    "Golub, T. R. et al. (1999). Molecular classification of cancer: class discovery and class "
    "prediction by gene expression monitoring. Science 286(5439), 531-537. "
    "Data as distributed in the R package datamicroarray (golub), MIT license."
)


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: ``X`` (n_samples x n_features), target ``y`` and descriptions."""

    X: np.ndarray
    y: np.ndarray
    feature_names: np.ndarray
    target_names: np.ndarray
    is_train: np.ndarray
    sample_ids: np.ndarray
    description: str
    citation: str


def load_leukemia(*, as_frame=False):
    """Load the leukemia data: 72 patients, 7,129 gene expression levels (Affymetrix).

    The task is to tell acute lymphoblastic (ALL, ``y == 0``) from acute myeloid leukemia
    (AML, ``y == 1``): 47 ALL and 25 AML samples.  ``is_train`` marks the 38 samples of the
    original training set.  Expression values are raw (not log-transformed or scaled).

    Parameters
    ----------
    as_frame : bool, default=False
        Return ``X`` as a pandas DataFrame with gene identifiers as column names (needs pandas).

    Returns
    -------
    Dataset
    """
    path = resources.files("sparsefit.datasets").joinpath("data/leukemia_golub.npz")
    with path.open("rb") as fh, np.load(fh, allow_pickle=False) as d:
        X = d["X"].astype(np.float64)
        y = d["y"].astype(np.int64)
        names = d["feature_names"]
        data = dict(feature_names=names, target_names=d["y_classes"], is_train=d["is_train"],
                    sample_ids=d["sample_id"])
    if as_frame:
        import pandas as pd

        X = pd.DataFrame(X, columns=names)
    return Dataset(X=X, y=y, description=load_leukemia.__doc__.split("\n\n")[1].strip(),
                   citation=CITATION, **data)
