"""The experiments: the what-if questions, their parallel sweep, and the French conclusions."""
