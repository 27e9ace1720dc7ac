"""Warnings and errors raised by sparsefit.

sparsefit defines its own classes so that it runs without scikit-learn (a test and
benchmark reference only).  They are not scikit-learn's classes: filter
``sparsefit.ConvergenceWarning`` (or its base, ``UserWarning``) to silence sparsefit's
convergence warnings.  :class:`NotFittedError` is raised as a subclass of scikit-learn's
``NotFittedError`` too whenever scikit-learn is already imported, so code written against
either library catches it (see :func:`not_fitted_error`).
"""

import sys

__all__ = ["ConvergenceWarning", "DataConversionWarning", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """A solver stopped at its iteration budget before its certificate reached ``tol``.

    The message says which criterion (duality gap or KKT violation) was reached.
    """


class DataConversionWarning(UserWarning):
    """Input was converted implicitly, e.g. a column vector ``y`` raveled to 1-d.

    The class name matters: scikit-learn's estimator checks look for the text
    ``DataConversionWarning('A column-vector y was passed when a 1d array was expected``.
    """


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit``.

    A ``ValueError`` and an ``AttributeError``, as scikit-learn's, so ``hasattr`` and
    ``except ValueError`` keep working.
    """


def _bridge(sk_cls):
    """The class deriving from sparsefit's and scikit-learn's ``NotFittedError``.

    Kept as the module attribute ``_SklearnNotFittedError`` so its instances pickle (a
    process unpickling one builds it through the module ``__getattr__`` below).
    """
    cls = globals().get("_SklearnNotFittedError")
    if cls is None or not issubclass(cls, sk_cls):
        cls = type("_SklearnNotFittedError", (NotFittedError, sk_cls),
                   {"__module__": __name__, "__doc__": NotFittedError.__doc__})
        globals()["_SklearnNotFittedError"] = cls
    return cls


def __getattr__(name):
    if name == "_SklearnNotFittedError":  # unpickling an error raised next to scikit-learn
        from sklearn.exceptions import NotFittedError as sk_cls

        return _bridge(sk_cls)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def not_fitted_error(message):
    """A :class:`NotFittedError` carrying ``message``.

    When the process has already imported ``sklearn.exceptions`` (scikit-learn's estimator
    checks, ``clone``, pipelines, a user's ``except sklearn.exceptions.NotFittedError``),
    the error is an instance of a class deriving from both sparsefit's and scikit-learn's
    ``NotFittedError``; scikit-learn is never imported here.
    """
    sk_cls = getattr(sys.modules.get("sklearn.exceptions"), "NotFittedError", None)
    if sk_cls is None:
        return NotFittedError(message)
    return _bridge(sk_cls)(message)
