"""The pages: the context of French values and facts, the computed answers, and the Jinja rendering."""
