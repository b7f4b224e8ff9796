"""The recommendation layer: the `recommender` library fed from the index and served."""
