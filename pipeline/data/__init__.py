"""Fashion-MNIST: get the verified files into Keras's cache and read or describe them with NumPy."""
