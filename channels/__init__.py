"""Input channels the public can reach."""
