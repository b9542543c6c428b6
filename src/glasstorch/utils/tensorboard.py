"""``SummaryWriter``: training logs for TensorBoard (``torch.utils.tensorboard``).

Events go through the ``tensorboard`` package's own event-file writer and
protocol buffers (``pip install glasstorch[tensorboard]``); this module only
turns glasstorch tensors, images, figures and graphs into those messages.
``add_graph`` runs the model once and converts glasstorch's recorded autograd
graph (the one :func:`glasstorch.viz.draw_graph` draws) into a ``GraphDef``.
Everything here works on host copies: a tensor is read once, through
``backend.to_numpy``, before it becomes a message.
"""

# host module: builds protocol buffers from host copies of the values
from __future__ import annotations

import os
import re
import socket
import struct
import time
import zlib
from datetime import datetime
from typing import Any

import numpy as np

try:
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.node_def_pb2 import NodeDef
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.compat.proto.versions_pb2 import VersionDef
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("glasstorch.utils.tensorboard writes TensorBoard event files with the "
                      "tensorboard package: pip install glasstorch[tensorboard]  "
                      "(or: pip install tensorboard)") from e

from .. import backend
from ..tensor import Tensor

__all__ = ["SummaryWriter"]

_DT_FLOAT, _DT_DOUBLE, _DT_STRING = 1, 2, 7  # TensorFlow's DataType enum values


def _array(x: Any) -> np.ndarray:
    """The values to log, on the host."""
    if isinstance(x, Tensor):
        return backend.to_numpy(x._data)
    return np.asarray(x)


def _scalar(x: Any) -> float:
    a = _array(x)
    if a.size != 1:
        raise ValueError(f"scalar_value should be a one-element tensor or number, got shape {a.shape}")
    return float(a.reshape(()))


# -- images ------------------------------------------------------------------------
def _png(img: np.ndarray) -> bytes:
    """A PNG file of an HWC uint8 image with 1, 3 or 4 channels (filter 0 on every row)."""
    h, w, c = img.shape
    color = {1: 0, 3: 2, 4: 6}[c]  # gray, RGB, RGBA

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * c)], axis=1)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def _to_hwc(img: np.ndarray, dataformats: str) -> np.ndarray:
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set("NCHW") or img.ndim != len(fmt):
        raise ValueError(f"dataformats {dataformats!r} does not fit an image of shape {img.shape}")
    if "N" in fmt:
        img = _grid(img.transpose([fmt.index(k) for k in "NHWC" if k in fmt])
                    if "C" in fmt else img.transpose([fmt.index(k) for k in "NHW"])[..., None])
    elif "C" in fmt:
        img = img.transpose([fmt.index(k) for k in "HWC"])
    else:
        img = img[..., None]
    if img.shape[2] not in (1, 3, 4):
        raise ValueError(f"an image needs 1, 3 or 4 channels, got {img.shape[2]}")
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)  # TensorBoard shows RGB; gray becomes three equal channels
    return img


def _grid(batch: np.ndarray, ncols: int = 8) -> np.ndarray:
    """NHWC images tiled into one HWC image, ``ncols`` per row, no padding."""
    n, h, w, c = batch.shape
    cols = min(n, ncols)
    rows = -(-n // cols)
    canvas = np.zeros((rows * cols, h, w, c), batch.dtype)
    canvas[:n] = batch
    return canvas.reshape(rows, cols, h, w, c).transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, c)


def _uint8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    # as torch: any other dtype is taken to lie in [0, 1], scaled, clipped and truncated
    return np.clip(img.astype(np.float32) * np.float32(255), 0, 255).astype(np.uint8)


def _image_summary(tag: str, hwc: np.ndarray) -> summary_pb2.Summary:
    img = _uint8(hwc)
    image = summary_pb2.Summary.Image(height=img.shape[0], width=img.shape[1], colorspace=img.shape[2],
                                      encoded_image_string=_png(img))
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=image)])


def _figure_array(figure) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


# -- histograms ----------------------------------------------------------------------
def _tensorflow_edges() -> np.ndarray:
    # TensorFlow's default buckets: 0 and +-1e-12 * 1.1**k below 1e20, the powers
    # built by repeated multiplication so the edges are exactly TensorBoard's
    pos = np.cumprod(np.concatenate([[1e-12], np.full(800, 1.1)]))
    pos = pos[pos < 1e20]
    return np.concatenate([-pos[::-1], [0.0], pos])


def _histogram(values: np.ndarray, bins, max_bins) -> summary_pb2.HistogramProto:
    v = values.astype(np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("The input has no element.")
    edges = _tensorflow_edges() if isinstance(bins, str) and bins == "tensorflow" else bins
    counts, limits = np.histogram(v, bins=edges)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError("The histogram is empty: no value falls inside the bins")
    start, end = nonzero[0], nonzero[-1] + 1
    # the proto keeps each bucket's right edge only; an empty bucket on the left
    # keeps the leftmost edge of the data
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    return summary_pb2.HistogramProto(min=v.min(), max=v.max(), num=v.size, sum=v.sum(),
                                      sum_squares=np.dot(v, v), bucket_limit=limits[start:end + 1].tolist(),
                                      bucket=counts.astype(np.float64).tolist())


# -- text and hparams ----------------------------------------------------------------
def _plugin(name: str, content: bytes = b"") -> summary_pb2.SummaryMetadata:
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=name, content=content))


def _hparams_summaries(hparams: dict, metrics: dict, domains: dict) -> list:
    from google.protobuf.struct_pb2 import ListValue, Value
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

    infos, values = [], {}
    for name, v in hparams.items():
        if isinstance(v, Tensor):
            v = _scalar(v)
        if isinstance(v, bool):
            kind, val = api_pb2.DATA_TYPE_BOOL, Value(bool_value=v)
        elif isinstance(v, (int, float, np.number)):
            kind, val = api_pb2.DATA_TYPE_FLOAT64, Value(number_value=float(v))
        elif isinstance(v, str):
            kind, val = api_pb2.DATA_TYPE_STRING, Value(string_value=v)
        else:
            raise ValueError(f"value should be one of int, float, str, bool, or torch.Tensor, got "
                             f"{type(v).__name__} for hparam {name!r}")
        info = api_pb2.HParamInfo(name=name, type=kind)
        if name in domains:
            lv = ListValue()
            for d in domains[name]:
                lv.values.add().CopyFrom(Value(bool_value=d) if isinstance(d, bool) else
                                         Value(string_value=d) if isinstance(d, str) else Value(number_value=d))
            info.domain_discrete.CopyFrom(lv)
        infos.append(info)
        values[name] = val
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=[
        api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metrics])
    start = plugin_data_pb2.SessionStartInfo()
    for k, v in values.items():
        start.hparams[k].CopyFrom(v)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    out = []
    for tag, data in (("experiment", plugin_data_pb2.HParamsPluginData(experiment=experiment)),
                      ("session_start_info", plugin_data_pb2.HParamsPluginData(session_start_info=start)),
                      ("session_end_info", plugin_data_pb2.HParamsPluginData(session_end_info=end))):
        meta = _plugin("hparams", data.SerializeToString())
        out.append(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="_hparams_/" + tag, metadata=meta)]))
    return out


# -- graphs --------------------------------------------------------------------------
def _shape_attr(shape) -> AttrValue:
    dims = [TensorShapeProto.Dim(size=int(s)) for s in shape]
    return AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(dim=dims)]))


def _graph_def(model, inputs) -> GraphDef:
    from ..autograd.grad_mode import enable_grad
    from ..viz.graph import draw_graph, module_scopes

    args = inputs if isinstance(inputs, (list, tuple)) else ([] if inputs is None else [inputs])
    # float inputs become leaves of the recorded graph, so they appear as input nodes
    args = [a.detach().requires_grad_(True) if isinstance(a, Tensor) and a.is_floating_point() else a
            for a in args]
    root = type(model).__name__
    params = {f"{root}/{name}": p for name, p in model.named_parameters()}
    params.update({f"input/{i}": a for i, a in enumerate(args) if isinstance(a, Tensor)})
    with enable_grad(), module_scopes(model):
        out = model(*args)
    outs = [t for t in (out if isinstance(out, (list, tuple)) else [out]) if isinstance(t, Tensor)]
    g = draw_graph(outs, params=params, title=root)
    names, used = {}, set()
    for n in g.nodes:
        if n.kind == "leaf":
            base = n.label.replace(".", "/") if n.label != "leaf" else f"{root}/tensor"
        elif n.kind == "output":
            base = "output/" + n.label.replace(" ", "")
        else:
            scope = (n.scope or "").split(" (")[0]
            base = "/".join([root] + ([scope.replace(".", "/")] if scope and scope != root else [])
                            + [re.sub(r"Backward\d*$", "", n.label) or "op"])
        name, k = base, 1
        while name in used:  # TensorBoard needs unique node names
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names[n.id] = name
    inputs_of: dict = {n.id: [] for n in g.nodes}
    for src, dst in g.edges:
        inputs_of[dst].append(names[src])
    nodes = []
    for n in g.nodes:
        op = {"leaf": "Parameter" if not names[n.id].startswith("input/") else "IO Node",
              "output": "IO Node"}.get(n.kind, re.sub(r"Backward\d*$", "", n.label))
        attrs = {"_output_shapes": _shape_attr(n.shape)} if n.shape is not None else {}
        nodes.append(NodeDef(name=names[n.id], op=op, input=inputs_of[n.id], attr=attrs))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))


# -- the writer ----------------------------------------------------------------------
class SummaryWriter:
    """Writes scalars, histograms, images, text, hyperparameters and graphs to an
    event file in ``log_dir`` that TensorBoard reads (``tensorboard --logdir runs``).

    ``log_dir`` defaults to ``runs/<date>_<hostname><comment>`` as in torch;
    ``purge_step`` tells TensorBoard to drop events at or after that step left
    from a run that crashed. Usable as a context manager (closed on exit).
    """

    def __init__(self, log_dir: str | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = None
        self.all_writers: dict[str, EventFileWriter] = {}
        self._get_file_writer()

    def _get_file_writer(self) -> EventFileWriter:
        if self.file_writer is None:
            self.file_writer = EventFileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                               self.filename_suffix)
            self.all_writers = {self.log_dir: self.file_writer}
            if self.purge_step is not None:
                # a session restart at purge_step: TensorBoard discards later events of the old run
                self.file_writer.add_event(event_pb2.Event(
                    step=self.purge_step, wall_time=time.time(),
                    session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START)))
                self.file_writer.flush()
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        """The folder the event files go to."""
        return self.log_dir

    def _event(self, writer: EventFileWriter, global_step, walltime, **fields) -> None:
        event = event_pb2.Event(wall_time=time.time() if walltime is None else float(walltime), **fields)
        if global_step is not None:
            event.step = int(_scalar(global_step))
        writer.add_event(event)

    def _summary(self, summary, global_step=None, walltime=None, writer=None) -> None:
        self._event(writer or self._get_file_writer(), global_step, walltime, summary=summary)

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None, walltime: float | None = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Log one number for ``tag`` at ``global_step``."""
        value = _scalar(scalar_value)
        if new_style:
            tensor = (TensorProto(dtype=_DT_DOUBLE, double_val=[value]) if double_precision
                      else TensorProto(dtype=_DT_FLOAT, float_val=[value]))
            v = summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=_plugin("scalars"))
        else:
            v = summary_pb2.Summary.Value(tag=tag, simple_value=value)
        self._summary(summary_pb2.Summary(value=[v]), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Log several curves on one chart: each key goes to its own run
        ``<log_dir>/<main_tag>_<key>``, all under the tag ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            writer = self.all_writers.get(folder)
            if writer is None:
                writer = self.all_writers[folder] = EventFileWriter(folder, self.max_queue, self.flush_secs,
                                                                    self.filename_suffix)
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=main_tag,
                                                                           simple_value=_scalar(value))])
            self._summary(summary, global_step, walltime, writer)

    def add_histogram(self, tag: str, values, global_step: int | None = None, bins="tensorflow",
                      walltime: float | None = None, max_bins: int | None = None) -> None:
        """Log the distribution of ``values``; ``bins`` is ``'tensorflow'`` (TensorFlow's
        exponential buckets) or anything ``numpy.histogram`` accepts."""
        hist = _histogram(_array(values), bins, max_bins)
        self._summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=hist)]),
                      global_step, walltime)

    def add_image(self, tag: str, img_tensor, global_step: int | None = None, walltime: float | None = None,
                  dataformats: str = "CHW") -> None:
        """Log one image: uint8 values in [0, 255], any other dtype in [0, 1]."""
        self._summary(_image_summary(tag, _to_hwc(_array(img_tensor), dataformats)), global_step, walltime)

    def add_images(self, tag: str, img_tensor, global_step: int | None = None, walltime: float | None = None,
                   dataformats: str = "NCHW") -> None:
        """Log a batch of images, tiled eight to a row into one picture."""
        if "N" not in dataformats.upper():
            raise ValueError(f"add_images needs a batch dimension N in dataformats, got {dataformats!r}")
        self.add_image(tag, img_tensor, global_step, walltime, dataformats)

    def add_figure(self, tag: str, figure, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """Log a matplotlib figure (or a list of them, tiled) as an image."""
        figures = figure if isinstance(figure, list) else [figure]
        arrays = [_figure_array(f) for f in figures]
        if close:
            import matplotlib.pyplot as plt

            for f in figures:
                plt.close(f)
        if isinstance(figure, list):
            self.add_images(tag, np.stack(arrays), global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(tag, arrays[0], global_step, walltime, dataformats="HWC")

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a piece of (markdown) text; TensorBoard shows it under ``<tag>/text_summary``."""
        tensor = TensorProto(dtype=_DT_STRING, string_val=[text_string.encode("utf-8")],
                             tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
        v = summary_pb2.Summary.Value(tag=tag + "/text_summary", metadata=_plugin("text"), tensor=tensor)
        self._summary(summary_pb2.Summary(value=[v]), global_step, walltime)

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """Log one run's hyperparameters and final metrics for TensorBoard's HPARAMS tab,
        in a sub-run ``<log_dir>/<run_name>`` (default: the current time)."""
        if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        domains = hparam_domain_discrete or {}
        for name, dom in domains.items():
            if name not in hparam_dict or not isinstance(dom, list):
                raise TypeError(f"hparam_domain_discrete[{name!r}] should be a list of values of a key "
                                "in hparam_dict")
        run = os.path.join(self.log_dir, run_name or str(time.time()))
        with SummaryWriter(log_dir=run) as w:
            for summary in _hparams_summaries(hparam_dict, metric_dict, domains):
                w._summary(summary, global_step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(self, model, input_to_model=None, verbose: bool = False, use_strict_trace: bool = True) -> None:
        """Log the graph of ``model`` run once on ``input_to_model`` (a tensor or a tuple of
        them): one node per recorded op, grouped by the module that ran it."""
        graph = _graph_def(model, input_to_model)
        if verbose:
            print(graph)
        self._event(self._get_file_writer(), None, None, graph_def=graph.SerializeToString())

    def flush(self) -> None:
        """Write pending events to disk."""
        for w in self.all_writers.values():
            w.flush()

    def close(self) -> None:
        """Flush and close every event file; a later ``add_*`` opens a new one."""
        for w in self.all_writers.values():
            w.flush()
            w.close()
        self.all_writers = {}
        self.file_writer = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
