"""What every stage shares: parameters, errors, atomic files, French formatting, artifact schemas, mkdocs.yml."""
