"""A diffusers model folder for the NumPy references: config.json and the float64 weights by name,
remembering which names were read, so a check can assert that none was left over."""
import json
import os

import numpy as np

import safetensors_np as st


class FolderModel:
    WEIGHTS = "diffusion_pytorch_model.safetensors"  # Open-Sora's hub folders hold model.safetensors

    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.W = {k: v.astype(np.float64) for k, v in weights.items()}
        self.used = set()

    @classmethod
    def from_folder(cls, folder):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        weights, _ = st.load(os.path.join(folder, cls.WEIGHTS))
        return cls(cfg, weights)

    def w(self, name):
        self.used.add(name)
        return self.W[name]
