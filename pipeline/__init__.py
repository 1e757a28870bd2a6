"""Fashion-MNIST teaching report: train the seed's dense network and publish a French site."""
