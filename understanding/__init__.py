"""Intent understanding: Rasa NLU components of this project."""
