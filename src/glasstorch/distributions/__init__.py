"""``glasstorch.distributions``: probability distributions with sampling, log-densities and KL.

The API of ``torch.distributions``: each family is a :class:`Distribution`
with ``batch_shape``/``event_shape``, ``sample``/``rsample``, ``log_prob``,
``entropy``, ``mean``, ``variance``; :func:`kl_divergence` dispatches on
the pair of types. Samples come from glasstorch's generator
(``glasstorch.manual_seed``).
"""

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Gamma", "Independent",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform", "constraints", "kl_divergence",
           "register_kl"]
