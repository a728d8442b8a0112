"""MTCNN's ONet in NumPy, with facenet-pytorch's trained weights shipped as benchmark/data/onet.npz.

onet = ONet.load()
out = onet.predict_from_downsampled(crops)   # crops (N, 3, 48, 48) -> {"value": (N, 5, 2), "face_probability": (N,)}

python -m benchmark.onet convert onet.pt onet.npz   # remake the .npz from facenet-pytorch's file, without torch
"""

from benchmark.onet.detector import ONet

__all__ = ["ONet"]
