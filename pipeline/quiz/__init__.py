"""The end-of-step questions: data files whose answer keys are computed on the run, for the pages and for Moodle."""
