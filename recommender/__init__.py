"""Collaborative-filtering recommenders for the content-rights registry.

A library on its own: it knows nothing of the web service or the chain. Typical use::

    builder = InteractionBuilder()            # addresses x work ids, stable indices
    builder.add_many(events)
    matrix = builder.build().to_csr()         # (n_users, n_items) CSR
    model = IALS(IALSConfig(factors=64)).fit(matrix)
    recs = model.recommend(builder.users.index_of(address), matrix, n=10,
                           candidate_items=licensable_now)
    model.save("models/ials", users=builder.users, items=builder.items)

Cold start: a user added to the mapping after the fit has an index ``>= model.n_users`` and
is served the most popular items (all filters still apply). ``load_model(path)`` returns the
model with its mappings; never unpickles.
"""

from recommender.base import Recommender
from recommender.errors import (
    InvalidInputError,
    ModelFileError,
    NotFittedError,
    RecommenderError,
    UnknownIdError,
)
from recommender.ids import IdMapping, normalise_id
from recommender.interactions import (
    Event,
    EventKind,
    EventWeights,
    InteractionBuilder,
    Interactions,
)
from recommender.models import (
    BPR,
    EASE,
    IALS,
    MODELS,
    BPRConfig,
    EASEConfig,
    IALSConfig,
    Popularity,
    PopularityConfig,
)
from recommender.persistence import LoadedModel, load_model
from recommender.ranking import Recommendations

__all__ = [
    "BPR",
    "EASE",
    "IALS",
    "MODELS",
    "BPRConfig",
    "EASEConfig",
    "Event",
    "EventKind",
    "EventWeights",
    "IALSConfig",
    "IdMapping",
    "InteractionBuilder",
    "Interactions",
    "InvalidInputError",
    "LoadedModel",
    "ModelFileError",
    "NotFittedError",
    "Popularity",
    "PopularityConfig",
    "Recommendations",
    "Recommender",
    "RecommenderError",
    "UnknownIdError",
    "load_model",
    "normalise_id",
]
