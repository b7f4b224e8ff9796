"""Splits, metrics and the evaluation harness shared by every model and peer."""

from recommender.evaluation.harness import ModelRanker, Ranker, evaluate
from recommender.evaluation.metrics import coverage, ranking_metrics
from recommender.evaluation.splits import Split, random_holdout, temporal_holdout

__all__ = [
    "ModelRanker",
    "Ranker",
    "Split",
    "coverage",
    "evaluate",
    "random_holdout",
    "ranking_metrics",
    "temporal_holdout",
]
