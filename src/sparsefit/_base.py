"""Estimator base classes: the scikit-learn estimator contract without scikit-learn.

scikit-learn is a test and benchmark reference, never a runtime dependency, so the
estimators cannot inherit ``sklearn.base.BaseEstimator``.  What they need of it is small
and documented (https://scikit-learn.org/stable/developers/develop.html): parameters read
from the ``__init__`` signature (``get_params``/``set_params``, which ``clone``, ``Pipeline``
and ``GridSearchCV`` rely on), a readable ``repr``, ``__sklearn_tags__`` and
``__sklearn_is_fitted__`` for scikit-learn's introspection, and ``score``.  scikit-learn is
imported only inside ``__sklearn_tags__``, which only scikit-learn calls.
"""

import inspect

from ._metrics import accuracy_score, r2_score


class BaseEstimator:
    """Parameters from the ``__init__`` signature; ``__init__`` only stores its arguments."""

    _estimator_type = None  # "regressor" or "classifier", set by the mixins below

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self" or p.kind == p.VAR_KEYWORD:
                continue
            if p.kind == p.VAR_POSITIONAL:
                raise RuntimeError(f"{cls.__name__}.__init__ takes *args; an estimator's "
                                   "parameters must be explicit keyword arguments")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep=True):
        """Parameters of this estimator (and, with ``deep``, ``name__sub`` of nested ones).

        Returns
        -------
        dict
        """
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        """Set parameters (``name__sub`` reaches a nested estimator's); returns ``self``."""
        if not params:
            return self
        valid = self._get_param_names()
        nested = {}
        for key, value in params.items():
            name, delim, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            if delim:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self):
        # only the parameters that differ from their defaults, as scikit-learn prints them
        defaults = {name: p.default for name, p in
                    inspect.signature(type(self).__init__).parameters.items()}
        changed = []
        for name, value in self.get_params(deep=False).items():
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or repr(value) != repr(default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self):
        # fitted once fit has set an attribute ending in "_" (scikit-learn's own rule)
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))

    def __sklearn_tags__(self):
        # only scikit-learn calls this (get_tags, estimator checks, meta-estimators), so it
        # is importable here; scikit-learn >= 1.6 (the tags API)
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

        kind = self._estimator_type
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=kind is not None),
            regressor_tags=RegressorTags() if kind == "regressor" else None,
            classifier_tags=ClassifierTags() if kind == "classifier" else None,
            input_tags=InputTags(),
        )


class _ScoreMixin:
    """``score``: the estimator kind's metric of ``predict(X)`` against ``y``."""

    _metric = None  # a function (y_true, y_pred, sample_weight=None) -> float

    def score(self, X, y, sample_weight=None):
        """R^2 (regressors: 1 is a perfect fit, 0 the constant predicting the mean of ``y``)
        or accuracy (classifiers: the weighted fraction of samples whose predicted class is
        ``y``) of ``predict(X)``, as in scikit-learn.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        return type(self)._metric(y, self.predict(X), sample_weight=sample_weight)


class RegressorMixin(_ScoreMixin):
    """A regressor: ``score`` is R^2 (weighted)."""

    _estimator_type = "regressor"
    _metric = staticmethod(r2_score)


class ClassifierMixin(_ScoreMixin):
    """A classifier: ``score`` is the (weighted) accuracy."""

    _estimator_type = "classifier"
    _metric = staticmethod(accuracy_score)
