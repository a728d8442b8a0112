"""FOMM's keypoint detector (vox-256) in NumPy, for measuring how a downsampling method moves its keypoints.

python -m benchmark.fomm convert vox-cpk.pth.tar kp_detector.npz   # once, with torch installed

detector = KPDetector.load("kp_detector.npz")
kp = detector(frames, method="gaussian")   # {"value": (N, 10, 2), "jacobian": (N, 10, 2, 2)}
"""

from benchmark.fomm.detector import KPDetector, random_state_dict

__all__ = ["KPDetector", "random_state_dict"]
