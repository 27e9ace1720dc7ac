"""Select genes that tell ALL from AML leukemia (Golub et al. 1999), with the lasso.

Run:  python examples/leukemia.py
"""

import numpy as np

from sparsefit import Lasso
from sparsefit.datasets import load_leukemia

data = load_leukemia()
X, y = data.X, data.y.astype(float)  # y: 0 = ALL, 1 = AML
train, test = data.is_train, ~data.is_train

# standardize=True (the default) penalizes every gene on the same scale; coef_ stays on the
# original expression scale.  alpha is the glmnet lambda.
model = Lasso(alpha=0.06).fit(X[train], y[train])
selected = np.flatnonzero(model.coef_)

print(f"Leukemia: {X.shape[0]} samples x {X.shape[1]} genes; trained on {train.sum()}")
print(f"Lasso(alpha=0.06) kept {selected.size} genes (duality gap {model.dual_gap_:.1e}):")
order = selected[np.argsort(-np.abs(model.coef_[selected] * X[train][:, selected].std(0)))]
for j in order:
    effect = model.coef_[j] * X[train][:, j].std()
    print(f"  {data.feature_names[j]:<28} {'AML' if effect > 0 else 'ALL'} marker "
          f"(effect of one sd: {effect:+.3f})")
pred = (model.predict(X[test]) > 0.5).astype(int)
print(f"Held-out accuracy on the {test.sum()} original test samples: "
      f"{np.mean(pred == data.y[test]):.2f}")
