"""The FOMM downsampling study's harness, beside the library and not installed with it: `python bench.py`.

It uses only antialias_np's public API. One concern per module:

    protocol.py         the study's constants and its published table
    synthetic.py        synthetic face frames with known landmarks
    analytic.py         an analytic landmark detector in the style of FOMM's
    keypoints.py        what every detector shares: softmax, expected coordinate; the study's keypoint error;
                        a detector run on every method's downsampled frames
    layers.py           the trained detectors' layers in NumPy: convolution, PReLU, max pooling
    fomm/               FOMM's keypoint detector in NumPy; python -m benchmark.fomm convert CKPT OUT.npz
    onet/               MTCNN's ONet in NumPy; python -m benchmark.onet convert onet.pt OUT.npz (no torch)
    torch_file.py       torch's state dict files read without torch
    photo.py            frames of a real photo's face (data/astronaut_face.png) for ONet
    data/               ONet's weights and the photo, with their provenance and licences (data/README.md)
    frames.py           a user's frames (a folder of images or a video) as study frames
    torch_pipelines.py  the study's nine pipelines in torch / kornia (bench, fixtures and differential test)
    peers.py            the optional libraries: torch, kornia, OpenCV, Pillow, one thread each
    timing.py           how a call is timed
    study_table.py      the study's tables (python bench.py)
    onet_table.py       its second table: ONet on the photo frames
    avgpool_candidates.py  which avg_pool2d window the study's avgpool could be
    figures.py          the panel figures, the error-vs-time chart, the responses (matplotlib)
    speed.py            the speed table (python bench.py --speed)
    threads.py          time against size, batch and Numba threads; a busy machine (--scaling, --threads)
    cold_start.py       start-up (the first call) and compiles (--cold), in fresh processes
    report.py           markdown tables, number formats, writing results
    commands.py         command-line errors in one line, with an exit status
    method_pages.py     a page per method: weights, centre, frequency response (python -m benchmark.method_pages)
    pareto.py           the Pareto front of keypoint error against time, per detector
    scorecard.py        the aliasing scorecard of every method (python -m benchmark.scorecard)
    cli.py              bench.py's command line
"""
