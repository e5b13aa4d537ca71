"""The HTTP server: Rasa's own app (channels, agent, tracker store) plus the web chat's routes."""
