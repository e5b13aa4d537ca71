"""Custom actions (rasa-sdk). None are needed today; see actions/README.md."""
