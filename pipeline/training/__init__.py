"""Training: run the lesson (the only package that imports TensorFlow) and summarise its predictions."""
