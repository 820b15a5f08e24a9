"""Text normalisation: the folded text classifiers and extractors read, with an offset map."""
