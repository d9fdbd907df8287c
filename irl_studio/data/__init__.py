"""Data shipped with the package: trained expert policies of Gymnasium environments (``experts/*.safetensors``,
weights and JSON metadata only; retrain them with ``scripts/train_gym_expert.py``)."""
