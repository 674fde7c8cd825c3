"""Official letters: rendering the Département's templates to PDF/A."""
