"""The build: the command line, the stage table, the runner, its cache keys and the code dependencies."""
