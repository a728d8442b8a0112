"""The FOMM downsampling study's harness, beside the library and not installed with it: `python bench.py`.

It uses only antialias_np's public API. One concern per module:

    protocol.py         the study's constants and its published table
    synthetic.py        synthetic face frames with known landmarks
    analytic.py         an analytic landmark detector in the style of FOMM's
    keypoints.py        what every detector shares: softmax, expected coordinate; the study's keypoint error
    fomm/               FOMM's keypoint detector in NumPy; python -m benchmark.fomm convert CKPT OUT.npz
    frames.py           a user's frames (a folder of images or a video) as study frames
    torch_pipelines.py  the study's nine pipelines in torch / kornia (bench, fixtures and differential test)
    peers.py            the optional libraries: torch, kornia, OpenCV, Pillow, one thread each
    timing.py           how a call is timed
    study_table.py      the study's table (python bench.py)
    figures.py          the panel figure, the error-vs-time chart, the responses (matplotlib)
    speed.py            the speed table (python bench.py --speed)
    threads.py          time against size, batch and Numba threads; a busy machine (--scaling, --threads)
    cold_start.py       import time, first call, compile time in fresh processes (--cold)
    report.py           markdown tables, number formats, writing results
    commands.py         command-line errors in one line, with an exit status
    method_pages.py     a page per method: weights, centre, frequency response (python -m benchmark.method_pages)
    pareto.py           the Pareto front of keypoint error against time, per detector
    scorecard.py        the aliasing scorecard of every method (python -m benchmark.scorecard)
    cli.py              bench.py's command line
"""
