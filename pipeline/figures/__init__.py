"""The figures: a shared style, the data and curve charts, the network's own figures, and their stage."""
