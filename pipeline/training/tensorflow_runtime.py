"""TensorFlow for a training: imported without its import-time notices, thread pools sized, every generator seeded."""
from __future__ import annotations

import os
import re
import sys
import tempfile

from pipeline.common.config import Params


def quiet_tensorflow() -> None:
    """Before the first TensorFlow import: its C++ INFO and WARNING lines are not for students.

    Errors, Python's and TensorFlow's, stay visible. oneDNN keeps TensorFlow's default (on, on x86):
    without XLA it changes the rounding of the matrix products, and the students' script, which runs
    with the defaults, must find the site's numbers (tests/test_e2e.py).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # INFO and WARNING hidden, ERROR shown


# What TensorFlow's C++ side writes at import, before absl's logging is set up and whatever
# TF_CPP_MIN_LOG_LEVEL says: notices (the oneDNN one, CPU features), not errors.
_IMPORT_NOTICES = re.compile(r"^(I\d{4} |WARNING: All log messages before absl::InitializeLog|To enable the following "
                             r"instructions|$)")


def import_tensorflow():
    """`import tensorflow`, its import-time notices dropped: they go straight to file descriptor 2, out of
    Python's reach, once per process (each experiment run has its own). Any other line written during the
    import is passed on to stderr."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    quiet_tensorflow()
    with tempfile.TemporaryFile(mode="w+b") as caught:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            import tensorflow as tf
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        kept = [line for line in caught.read().decode("utf-8", "replace").splitlines() if not _IMPORT_NOTICES.match(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr, flush=True)
    return tf


def prepare_tensorflow(params: Params):
    """Import TensorFlow with its thread pools sized and every random generator seeded."""
    tf = import_tensorflow()

    if params.threads:  # on 2 cores one thread is fastest for this tiny network (make bench)
        try:
            tf.config.threading.set_intra_op_parallelism_threads(params.threads)
            tf.config.threading.set_inter_op_parallelism_threads(params.threads)
        except RuntimeError:  # TensorFlow already ran in this process: its pools keep their first size
            pass
    tf.keras.backend.clear_session()  # a worker training several runs starts each one afresh (names, memory)
    tf.keras.utils.set_random_seed(params.seed)  # Python, NumPy and TensorFlow at once
    if params.deterministic:
        tf.config.experimental.enable_op_determinism()
    return tf
