"""Benchmark of antialias_np: the FOMM downsampling study's table, and how fast each method runs.

    python bench.py                     the study's tables, needing neither torch nor a download:
                                        1. keypoint error and time of the nine methods on synthetic face
                                        frames with known landmarks and an analytic detector
                                        (benchmark.analytic);
                                        2. the error with a trained detector, MTCNN's ONet (benchmark.onet,
                                        facenet-pytorch's weights, shipped) on frames of a real photo
                                        (benchmark.photo, the public-domain astronaut portrait);
                                        3. every avg_pool2d window that could be the study's avgpool, with
                                        its error on both detectors.
                                        Draws figure.png, onet_figure.png and error_vs_time.png with
                                        matplotlib (pip install -e ".[bench]")
    python bench.py --quick             the same in seconds (4 frames, few repeats): a smoke test
    python bench.py --frames DIR_OR_VIDEO --checkpoint kp_detector.npz
                                        the study's exact protocol: FOMM's trained keypoint detector
                                        (benchmark.fomm; make the .npz with `python -m benchmark.fomm convert
                                        vox-cpk.pth.tar kp_detector.npz`, which needs torch) on your frames in
                                        the first table; a video (.mp4, ...) needs PyAV:
                                        pip install "antialias_np[video]". Without --checkpoint, the analytic
                                        detector (made for the synthetic faces) is used and its points are
                                        labelled "point k", not landmarks. ONet's table reads the same
                                        frames, centre-cropped to a square and resized to 192 x 192
                                        (antialiased bilinear): give face crops framed as MTCNN frames a face
                                        (brows to chin); frames ONet finds no face in are counted, left out
    python bench.py --speed [--scaling] [--threads] [--cold]
                                        the speed tables: microseconds per frame against torch and the fastest
                                        other library (OpenCV, Pillow) that computes the same thing or a similar
                                        one, one thread each; --scaling, --threads and --cold add sections (and
                                        imply --speed)

The study's error (baseline b = method "gaussian", FOMM's own): (1/N) sum over N frames of sum over the 10
keypoints of ||b_k - t_k||_2, in the detector's [-1, 1] coordinates. Times are medians of repeated calls on one
3 x 256 x 256 float32 frame after warm-up, with one thread for every library. torch, kornia, OpenCV and Pillow
are optional (pip install -e ".[compare]"): without them their columns show "-".

The study's run also prints the Pareto front of error against time over every method (the study's and
antialias_np's extra ones), and then the aliasing scorecard of every method (benchmark.scorecard: frequency
responses, alias energy, shift change, PSNR against the ideal downsample).

Results are printed as markdown and written to --out (default ./bench_results): study.md, study.json,
figure.png, onet_figure.png, error_vs_time.png, scorecard.md, scorecard.json and scorecard.png, or speed.md and
speed.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmark.commands import CommandError, CommandLineParser, check_input_file
from benchmark.protocol import SCALE
from benchmark.report import progress
from benchmark.scorecard import run_scorecard
from benchmark.speed import run_speed
from benchmark.study_table import run_study


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    title, usage = __doc__.split("\n\n", 1)
    parser = CommandLineParser(
        prog="bench.py",
        description=title,
        epilog=usage + "\nExit status: 2 for a usage error (a wrong option, a missing file), 1 for a data error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("bench_results"), metavar="DIR", help="output directory")
    parser.add_argument("--quick", action="store_true", help="few frames and repeats: finishes in seconds")
    parser.add_argument("--no-compare", action="store_true", help="skip torch, kornia, OpenCV, Pillow if installed")
    parser.add_argument("--repeats", type=int, metavar="N", help="timed repeats (default 7; --speed 11; --quick 3)")
    study = parser.add_argument_group("the study's tables (the default)")
    study.add_argument("--frames", type=Path, metavar="PATH", help="a folder of images or a video, not synthetic, "
                       'for both tables (videos need PyAV: pip install "antialias_np[video]")')
    study.add_argument("--checkpoint", type=Path, metavar="FILE.npz",
                       help="FOMM's detector with these weights, in the first table")
    study.add_argument("--n-frames", type=int, metavar="N", help="synthetic and photo frames, or most frames read (64)")
    study.add_argument("--seed", type=int, default=0, help="seed of the synthetic frames and of the photo's motion (0)")
    study.add_argument("--no-figures", action="store_true", help="write the tables only, no PNG (no matplotlib)")
    speed = parser.add_argument_group("speed")
    speed.add_argument("--speed", action="store_true", help="the speed table: antialias_np, torch, fastest peer")
    speed.add_argument("--scaling", action="store_true", help="add time against size and batch, 2 threads vs 1")
    speed.add_argument(
        "--threads", action="store_true", help="add default threads vs one, idle and with busy-loop processes (~3 min)"
    )
    speed.add_argument("--cold", action="store_true", help="add each method's compile with an empty cache, its "
                       "parallel variants and compile_all (~5 min)")
    speed.add_argument("--pillow-simd", type=Path, metavar="PYTHON", help="a Python whose Pillow is Pillow-SIMD: its "
                       "resize joins the real-image table (it cannot share this process's Pillow)")
    args = parser.parse_args(argv)
    args.speed = args.speed or args.scaling or args.threads or args.cold or args.pillow_simd is not None
    if args.n_frames is None:
        args.n_frames = 4 if args.quick else 64
    if args.repeats is None:
        args.repeats = 3 if args.quick else 11 if args.speed else 7
    if args.n_frames < 1 or args.repeats < 1:
        parser.error("--n-frames and --repeats must be >= 1")
    existing = next(path for path in (args.out, *args.out.parents) if path.exists())  # "." always exists
    if not existing.is_dir():
        parser.error(f"--out {args.out} cannot be a folder: {existing} is a file; give a folder path (made if missing)")
    if args.pillow_simd is not None and not args.pillow_simd.is_file():
        parser.error(f"--pillow-simd {args.pillow_simd} is not a file; give the python of a venv with Pillow-SIMD")
    if args.frames is not None and not args.frames.exists():
        parser.error(f"--frames {args.frames} does not exist; give a folder of images or a video")
    if args.checkpoint is not None:
        try:
            check_input_file(args.checkpoint, "--checkpoint", "an .npz made by python -m benchmark.fomm convert")
        except CommandError as error:
            parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> int:
    """Run bench.py's command line; return its exit status."""
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        if args.speed:
            run_speed(args)
        else:
            run_study(args)
            print()
            run_scorecard(args.out, SCALE, draw=not args.no_figures)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.status
    progress(f"done in {time.perf_counter() - start:.1f} s")
    return 0
