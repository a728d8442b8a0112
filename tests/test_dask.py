"""antialias_np.dask: lazy, chunked like its input, equal to antialias_np.downsample; on a LocalCluster of two worker
processes, bit for bit equal to one process on a stack several times larger than a worker's memory limit."""

from __future__ import annotations

import warnings

import imageio.v3 as iio
import numpy as np
import pytest

import antialias_np as aa

da = pytest.importorskip("dask.array")
aad = pytest.importorskip("antialias_np.dask")


def random_stack(shape, dtype=np.float32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return rng.random(shape, dtype=dtype)


@pytest.mark.parametrize(
    "shape, dtype, scale, method, channel_axis",
    [
        ((10, 3, 32, 36), np.float32, 0.25, "gaussian", None),
        ((10, 32, 36, 3), np.uint8, 0.3, "bilinear", -1),
        ((10, 32, 36, 1), np.uint8, 0.5, "median", -1),
        ((3, 32, 36), np.float64, 0.4, "area", None),
    ],
)
def test_chunks_dtype_meta_and_values(shape, dtype, scale, method, channel_axis):
    stack = random_stack(shape, dtype)
    expected = aa.downsample(stack, scale, method, channel_axis=channel_axis)
    chunks = (4, *shape[1:]) if len(shape) == 4 else shape
    result = aad.downsample(da.from_array(stack, chunks=chunks), scale, method, channel_axis=channel_axis)
    frame_chunks = ((4, 4, 2),) if len(shape) == 4 else ()
    assert result.chunks == frame_chunks + tuple((n,) for n in expected.shape[len(frame_chunks) :])
    assert result.dtype == expected.dtype
    assert type(result._meta) is np.ndarray and result._meta.dtype == expected.dtype
    computed = result.compute(scheduler="synchronous")
    assert computed.dtype == expected.dtype
    np.testing.assert_array_equal(computed, expected)


def test_nothing_is_computed_until_asked():
    blocks_made = []

    def make_block(block_info=None):
        blocks_made.append(block_info)
        return np.zeros((2, 3, 16, 16), np.float32)

    meta = np.empty((0, 0, 0, 0), np.float32)  # so that map_blocks does not call make_block to find it
    stack = da.map_blocks(make_block, chunks=((2, 2), (3,), (16,), (16,)), dtype=np.float32, meta=meta)
    result = aad.downsample(stack, 0.25, "gaussian")
    assert blocks_made == []
    result.compute(scheduler="synchronous")
    assert len(blocks_made) == 2


def test_chunks_that_split_frames_are_rechunked_with_a_warning():
    stack = random_stack((6, 3, 32, 32))
    split = da.from_array(stack, chunks=(2, 3, 16, 32))
    with pytest.warns(da.core.PerformanceWarning, match="whole frames"):
        result = aad.downsample(split, 0.25, "bilateral")
    assert result.chunks == ((2, 2, 2), (3,), (8,), (8,))
    np.testing.assert_array_equal(result.compute(scheduler="synchronous"), aa.downsample(stack, 0.25, "bilateral"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aad.downsample(da.from_array(stack, chunks=(2, 3, 32, 32)), 0.25, "bilateral")


def test_bad_arguments_are_refused_before_computing():
    stack = da.zeros((4, 3, 32, 32), chunks=(2, 3, 32, 32))
    with pytest.raises(TypeError, match=r"dask\.array\.Array"):
        aad.downsample(np.zeros((4, 3, 32, 32)), 0.25)
    with pytest.raises(ValueError, match="scale"):
        aad.downsample(stack, 1.5)
    with pytest.raises(ValueError, match="method"):
        aad.downsample(stack, 0.25, "sinc")
    with pytest.raises(ValueError, match="chunk_frames"):
        aad.read_frames("anywhere", chunk_frames=0)


def test_read_frames_chunks_a_folder(tmp_path):
    frames = random_stack((7, 16, 20, 3), np.uint8)
    for i, frame in enumerate(frames):
        iio.imwrite(tmp_path / f"{i}.png", frame)
    stack = aad.read_frames(tmp_path, chunk_frames=3)
    assert stack.chunks == ((3, 3, 1), (16,), (20,), (3,))
    np.testing.assert_array_equal(stack.compute(scheduler="synchronous"), frames)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    video_clips = pytest.importorskip("video_clips")  # skipped without PyAV
    return video_clips.make_clips(tmp_path_factory.mktemp("clips"))


@pytest.mark.parametrize(
    "clip", ["constant rate", "late start", "variable rate", "b-frames", "cut", "cut mkv", "rotated 90"]
)
def test_read_frames_of_a_video_equals_sequential_decoding(clips, clip):
    """Each chunk seeks: a late start, a variable rate, B-frames or a cut must not shift a chunk's frames, and the
    array holds the frames that decode (a cut records 25, decodes 22)."""
    from video_clips import decode_sequentially

    expected, _ = decode_sequentially(clips[clip])
    if clip.startswith("rotated"):
        expected = np.rot90(expected, 1, axes=(1, 2))  # shown turned 90 degrees counterclockwise
    stack = aad.read_frames(clips[clip], chunk_frames=4)
    assert stack.shape == expected.shape
    np.testing.assert_array_equal(stack.compute(scheduler="synchronous"), expected)


# On a cluster: two worker processes, each limited to MEMORY_LIMIT, given a stack STACK_TIMES as large.
MEMORY_LIMIT = 500e6
"""Bytes per worker. A worker process with NumPy and Numba loaded already takes about 200 MB, so the limit leaves
it room for a few chunks only: a worker that held the stack (or a good part of it) would be stopped by its nanny."""
STACK_TIMES = 3
FRAME_SHAPE = (256, 256, 3)
CHUNK_FRAMES = 16


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=MEMORY_LIMIT,
        dashboard_address=":0",
        env={"NUMBA_NUM_THREADS": "1"},  # one thread per worker process: two processes share two cores
    ) as local_cluster:
        yield local_cluster


def test_cluster_result_equals_one_process_on_a_stack_larger_than_a_worker(cluster):
    distributed = pytest.importorskip("distributed")
    frame_bytes = np.prod(FRAME_SHAPE)
    chunks = -(-int(STACK_TIMES * MEMORY_LIMIT / frame_bytes) // CHUNK_FRAMES)
    # Generated chunk by chunk from seeds in the graph: the stack never exists whole, here or on a worker.
    stack = da.random.default_rng(12).integers(
        0, 256, (chunks * CHUNK_FRAMES, *FRAME_SHAPE), dtype=np.uint8, chunks=(CHUNK_FRAMES, *FRAME_SHAPE)
    )
    assert stack.nbytes > STACK_TIMES * MEMORY_LIMIT
    small = aad.downsample(stack, 0.25, "gaussian", channel_axis=-1)
    with distributed.Client(cluster) as client:
        on_cluster = client.compute(small).result()
    one_process = np.concatenate(
        [
            aa.downsample(stack.blocks[i].compute(scheduler="synchronous"), 0.25, "gaussian", channel_axis=-1)
            for i in range(stack.numblocks[0])
        ]
    )
    assert on_cluster.dtype == one_process.dtype
    np.testing.assert_array_equal(on_cluster, one_process)


@pytest.mark.parametrize("destination", ["out", "out.npy", "out.zarr", "out.mp4"])
def test_command_line_scheduler_equals_one_process(cluster, tmp_path, capsys, destination):
    """Workers write a folder, .npy or zarr destination themselves; a video is written here, in order."""
    pytest.importorskip({"out.zarr": "zarr", "out.mp4": "av"}.get(destination, "numpy"))
    from antialias_np import cli
    from antialias_np.frames import open_frames

    np.save(tmp_path / "in.npy", random_stack((40, 64, 64, 3), np.uint8))
    results = []
    for run, scheduler in (("here", []), ("cluster", ["--scheduler", cluster.scheduler_address])):
        output = tmp_path / run / destination
        command = ["downsample", str(tmp_path / "in.npy"), str(output), "--chunk-frames", "6", *scheduler]
        assert cli.main(command) == 0, capsys.readouterr().err
        results.append(np.concatenate(list(open_frames(output).blocks(40))))
    assert capsys.readouterr().out.count("40 frames in ") == 2
    np.testing.assert_array_equal(results[1], results[0])
    assert results[0].shape == (40, 16, 16, 3)


@pytest.mark.parametrize("destination", ["out.npy", "out.zarr", "out.mp4"])
def test_command_line_scheduler_reads_a_cut_video_as_one_process(cluster, clips, tmp_path, capsys, destination):
    """Workers seek into the video; the destination holds the 22 frames that decode, each at its time."""
    pytest.importorskip({"out.zarr": "zarr"}.get(destination, "numpy"))
    from video_clips import decode_sequentially

    from antialias_np import cli
    from antialias_np.frames import open_frames

    results = []
    for run, scheduler in (("here", []), ("cluster", ["--scheduler", cluster.scheduler_address])):
        output = tmp_path / run / destination
        command = ["downsample", str(clips["cut"]), str(output), "--scale", "0.5", "--chunk-frames", "4", *scheduler]
        assert cli.main(command) == 0, capsys.readouterr().err
        results.append(np.concatenate(list(open_frames(output).blocks(40))))
        if destination == "out.mp4":
            decoded_times, source_times = decode_sequentially(output)[1], decode_sequentially(clips["cut"])[1]
            assert decoded_times == [time - source_times[0] for time in source_times]
    assert capsys.readouterr().out.count("22 frames in ") == 2
    np.testing.assert_array_equal(results[1], results[0])
    assert results[0].shape == (22, 16, 24, 3)
