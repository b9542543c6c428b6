"""SummaryWriter: events written by glasstorch, read back with the tensorboard package's reader."""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest

import glasstorch as gt
import glasstorch.nn as nn

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

from glasstorch.utils.tensorboard import SummaryWriter  # noqa: E402


def _read(folder) -> EventAccumulator:
    ea = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "images": 0,
                                                       "tensors": 0})
    ea.Reload()
    return ea


def _events(folder) -> list:
    files = [f for f in os.listdir(folder) if f.startswith("events.out.tfevents")]
    assert len(files) == 1
    return list(EventFileLoader(os.path.join(folder, files[0])).Load())


def test_scalars_steps_and_walltimes(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        assert w.get_logdir() == str(tmp_path)
        for step, v in enumerate([0.5, gt.tensor(0.25), np.float64(-3.0), 7]):
            w.add_scalar("loss/train", v, step, walltime=100.0 + step)
        w.add_scalar("new", 1.5, 3, new_style=True)
        w.add_scalar("new64", 0.1, 4, new_style=True, double_precision=True)
    ea = _read(tmp_path)
    got = ea.Scalars("loss/train")
    assert [e.step for e in got] == [0, 1, 2, 3] and [e.value for e in got] == [0.5, 0.25, -3.0, 7.0]
    assert [e.wall_time for e in got] == [100.0, 101.0, 102.0, 103.0]
    new = ea.Tensors("new")[0]
    assert new.step == 3 and new.tensor_proto.float_val == [1.5]
    assert ea.Tensors("new64")[0].tensor_proto.double_val == [0.1]
    with pytest.raises(ValueError, match="one-element"):
        SummaryWriter(str(tmp_path / "x")).add_scalar("bad", gt.ones(2))


def test_add_scalars_writes_one_run_per_key(tmp_path):
    w = SummaryWriter(str(tmp_path))
    for step in range(3):
        w.add_scalars("lr/group", {"a": step, "b": 10.0 * step}, step)
    w.close()
    assert sorted(d for d in os.listdir(tmp_path) if os.path.isdir(tmp_path / d)) == ["lr_group_a", "lr_group_b"]
    b = _read(tmp_path / "lr_group_b").Scalars("lr/group")
    assert [(e.step, e.value) for e in b] == [(0, 0.0), (1, 10.0), (2, 20.0)]


def test_histogram_counts_and_moments(tmp_path):
    values = np.random.default_rng(0).standard_normal(1000)
    with SummaryWriter(str(tmp_path)) as w:
        w.add_histogram("w", gt.tensor(values), 5)
        w.add_histogram("fixed", np.array([0.0, 1.0, 1.0, 3.0]), 6, bins=3)
        w.add_histogram("few", values, 7, max_bins=10)
    ea = _read(tmp_path)
    h = ea.Histograms("w")[0]
    assert h.step == 5 and h.histogram_value.num == 1000 and sum(h.histogram_value.bucket) == 1000
    assert h.histogram_value.min == values.min() and h.histogram_value.max == values.max()
    np.testing.assert_allclose(h.histogram_value.sum, values.sum())
    np.testing.assert_allclose(h.histogram_value.sum_squares, (values ** 2).sum())
    fixed = ea.Histograms("fixed")[0].histogram_value
    assert list(fixed.bucket) == [0.0, 1.0, 2.0, 1.0] and list(fixed.bucket_limit) == [0.0, 1.0, 2.0, 3.0]
    few = ea.Histograms("few")[0].histogram_value
    assert len(few.bucket) <= 10 and sum(few.bucket) == 1000


@pytest.mark.parametrize("bins,max_bins", [("tensorflow", None), ("tensorflow", 7), (3, None), ("auto", None),
                                           ("fd", 4)])
def test_histogram_buckets_equal_torchs(tmp_path, bins, max_bins):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from torch.utils.tensorboard.summary import histogram

    from glasstorch.utils.tensorboard import _histogram

    values = np.random.default_rng(3).standard_normal(500) * 4 + 1
    with TorchWriter(str(tmp_path)) as tw:
        edges = tw.default_bins if bins == "tensorflow" else bins
    want = histogram("h", values, edges, max_bins=max_bins).value[0].histo
    got = _histogram(values, bins, max_bins)
    assert list(got.bucket) == list(want.bucket) and list(got.bucket_limit) == list(want.bucket_limit)
    assert (got.min, got.max, got.num, got.sum) == (want.min, want.max, want.num, want.sum)


def _png_size(png: bytes) -> tuple:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_images_and_dataformats(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rgb = np.random.default_rng(1).random((3, 5, 7))
    with SummaryWriter(str(tmp_path)) as w:
        w.add_image("chw", gt.tensor(rgb), 0)
        w.add_image("hwc", (rgb.transpose(1, 2, 0) * 255).astype(np.uint8), 1, dataformats="HWC")
        w.add_image("hw", np.eye(4), 2, dataformats="HW")
        w.add_images("batch", np.zeros((10, 1, 4, 6)), 3)
        with pytest.raises(ValueError, match="1, 3 or 4 channels, got 7"):
            w.add_image("bad", rgb, 0, dataformats="HWC")
        with pytest.raises(ValueError, match="does not fit an image of shape"):
            w.add_image("bad", rgb, 0, dataformats="HW")
    ea = _read(tmp_path)
    img = ea.Images("chw")[0]
    assert (img.width, img.height) == (7, 5) and _png_size(img.encoded_image_string) == (7, 5)
    import io

    decoded = np.asarray(Image.open(io.BytesIO(img.encoded_image_string)))
    expected = (rgb.transpose(1, 2, 0).astype(np.float32) * 255).astype(np.uint8)  # truncated, as torch
    np.testing.assert_array_equal(decoded, expected)
    same = np.asarray(Image.open(io.BytesIO(ea.Images("hwc")[0].encoded_image_string)))
    np.testing.assert_array_equal(same, (rgb.transpose(1, 2, 0) * 255).astype(np.uint8))
    eye = np.asarray(Image.open(io.BytesIO(ea.Images("hw")[0].encoded_image_string)))
    assert eye.shape == (4, 4, 3) and eye[1, 1].tolist() == [255, 255, 255] and eye[0, 1].tolist() == [0, 0, 0]
    batch = ea.Images("batch")[0]
    assert (batch.width, batch.height) == (8 * 6, 2 * 4) and batch.step == 3


def test_figure_text_and_graph(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([0, 1], [1, 0])
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with SummaryWriter(str(tmp_path)) as w:
        w.add_figure("fig", fig, 1)
        w.add_text("notes", "**hello** world", 2)
        w.add_graph(model, gt.randn(3, 4))
    assert not plt.fignum_exists(fig.number)
    ea = _read(tmp_path)
    assert (ea.Images("fig")[0].width, ea.Images("fig")[0].height) == (100, 50)
    text = ea.Tensors("notes/text_summary")[0]
    assert text.step == 2 and text.tensor_proto.string_val == [b"**hello** world"]
    graph = ea.Graph()
    nodes = {n.name: n for n in graph.node}
    assert {"Sequential/0/weight", "Sequential/2/bias", "input/0"} <= set(nodes)
    ops = [n.op for n in graph.node]
    assert "Relu" in ops and ops.count("Parameter") == 4
    # every input names a node of the graph: the GraphDef is well formed
    assert all(i in nodes for n in graph.node for i in n.input)
    relu = next(n for n in graph.node if n.op == "Relu")
    assert [d.size for d in relu.attr["_output_shapes"].list.shape[0].dim] == [3, 8]


def test_hparams_are_readable_by_the_plugin(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_hparams({"lr": 0.1, "opt": "sgd", "nesterov": True, "bs": 32}, {"hparam/acc": 0.75},
                      hparam_domain_discrete={"opt": ["sgd", "adam"]}, run_name="trial")
        with pytest.raises(TypeError, match="should be dictionary"):
            w.add_hparams([1], {})
    events = _events(tmp_path / "trial")
    plugin = {}
    for e in events:
        for v in e.summary.value:
            if v.metadata.plugin_data.plugin_name == "hparams":
                plugin[v.tag] = plugin_data_pb2.HParamsPluginData.FromString(v.metadata.plugin_data.content)
    exp = plugin["_hparams_/experiment"].experiment
    assert [h.name for h in exp.hparam_infos] == ["lr", "opt", "nesterov", "bs"]
    assert [v.string_value for v in exp.hparam_infos[1].domain_discrete.values] == ["sgd", "adam"]
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/acc"]
    start = plugin["_hparams_/session_start_info"].session_start_info.hparams
    assert start["lr"].number_value == 0.1 and start["opt"].string_value == "sgd"
    assert start["nesterov"].bool_value is True and start["bs"].number_value == 32
    assert _read(tmp_path / "trial").Scalars("hparam/acc")[0].value == 0.75


def test_default_log_dir_purge_step_and_suffix(tmp_path, monkeypatch):
    import socket

    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1", purge_step=5, filename_suffix=".v1")
    w.close()
    parent, name = os.path.split(w.get_logdir())
    assert parent == "runs" and name.endswith("_" + socket.gethostname() + "_lr0.1")
    files = os.listdir(w.get_logdir())
    assert len(files) == 1 and files[0].endswith(".v1")
    start = [e for e in _events(w.get_logdir()) if e.HasField("session_log")]
    assert len(start) == 1 and start[0].step == 5 and start[0].session_log.status == start[0].session_log.START


def test_served_as_torch_utils_tensorboard_under_compat():
    from glasstorch import compat

    compat.install()
    try:
        import torch.utils.tensorboard as tb

        assert tb.SummaryWriter is SummaryWriter
    finally:
        compat.uninstall()
