"""What the tests share besides fixtures: where things are, and reading PDFs back."""
