"""The settings search (Optuna on validation, confirmation on fresh seeds) and its page."""
