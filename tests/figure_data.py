"""What a figure plots, read back from its matplotlib artists.

Every figure of the workflow goes through ``physics_dnn.plots.save_figure``.
``capture_figures`` replaces it, wherever a module imported it, with a
recorder that reads the figure's numbers (``FigureData``) before closing it:
per axes the titles and labels, the ticks, each line's x and y data, error
bars, bars, step histograms, filled bands, images (heat-maps), rectangles
(frames, shaded spans) and texts (cell values, annotations). Tests then
compare those numbers with expectations computed independently.
"""

import importlib
import sys
from dataclasses import dataclass, field

import numpy as np
from matplotlib import colors
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.patches import Rectangle, StepPatch
from matplotlib.text import Annotation

# The modules with figures; each took save_figure from physics_dnn.plots.
FIGURE_MODULES = (
    "physics_dnn.plots",
    "physics_dnn.study_plots",
    "physics_dnn.figures",
    "physics_dnn.susy.compare",
    "physics_dnn.ising.figures",
    "physics_dnn.ising.phase_study",
)


def rgba(colour) -> tuple:
    """A colour as an (r, g, b, a) tuple, to compare colours however given."""
    return tuple(float(c) for c in colors.to_rgba(colour))


def _floats(values) -> np.ndarray:
    """Numbers as a float array, masked entries as NaN."""
    array = np.ma.asarray(values)
    return np.ma.filled(array.astype(float), np.nan)


@dataclass
class Line:
    label: str
    x: np.ndarray
    y: np.ndarray
    linestyle: str
    marker: str
    colour: tuple


@dataclass
class ErrorBars:
    """Points with error bars: ``xlow``..``xhigh`` and ``ylow``..``yhigh``
    are each bar's ends (None where there are none)."""

    label: str
    x: np.ndarray | None
    y: np.ndarray | None
    marker: str
    colour: tuple | None
    xlow: np.ndarray | None = None
    xhigh: np.ndarray | None = None
    ylow: np.ndarray | None = None
    yhigh: np.ndarray | None = None

    @property
    def xerr(self) -> np.ndarray:
        """Half-lengths of the horizontal bars (the error of symmetric ones)."""
        return (self.xhigh - self.xlow) / 2

    @property
    def yerr(self) -> np.ndarray:
        """Half-lengths of the vertical bars (the error of symmetric ones)."""
        return (self.yhigh - self.ylow) / 2


@dataclass
class Bars:
    """One bar() or barh() call: ``positions`` are the bars' centres along
    the category axis, ``values`` their heights (widths, horizontal), and
    ``errors`` the half-lengths of their error bars."""

    label: str
    orientation: str
    positions: np.ndarray
    values: np.ndarray
    errors: np.ndarray | None
    colours: list


@dataclass
class Steps:
    """A histogram drawn with stairs(): ``values`` per bin of ``edges``."""

    label: str
    values: np.ndarray
    edges: np.ndarray
    fill: bool
    colour: tuple


@dataclass
class Band:
    """A fill_between() band: its lower and upper ends at each x."""

    label: str
    x: np.ndarray
    low: np.ndarray
    high: np.ndarray
    colour: tuple


@dataclass
class Image:
    array: np.ndarray
    cmap: str
    vmin: float
    vmax: float


@dataclass
class Box:
    """A rectangle that is not a bar: a frame or a shaded span."""

    label: str
    x: float
    y: float
    width: float
    height: float
    fill: bool
    edgecolour: tuple


@dataclass
class Text:
    """A text or annotation; ``x``, ``y`` is its anchor, in data
    coordinates where ``data`` is true."""

    text: str
    x: float
    y: float
    data: bool


@dataclass
class AxesData:
    title: str
    xlabel: str
    ylabel: str
    xscale: str
    yscale: str
    xlim: tuple
    ylim: tuple
    xticks: list = field(default_factory=list)  # (position, label)
    yticks: list = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    errorbars: list[ErrorBars] = field(default_factory=list)
    bars: list[Bars] = field(default_factory=list)
    steps: list[Steps] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)
    legend_colours: dict = field(default_factory=dict)  # label: colour

    def line(self, label: str) -> Line:
        """The one line labelled ``label``."""
        (found,) = [line for line in self.lines if line.label == label]
        return found

    def tick_positions(self, axis: str) -> dict[str, float]:
        """{tick label: position} of the x or y axis."""
        ticks = self.xticks if axis == "x" else self.yticks
        return {label: position for position, label in ticks}

    def cell_texts(self) -> dict[tuple[int, int], str]:
        """{(row, column): text} of the texts written at cell centres
        (whole numbers in data coordinates), as on a heat-map."""
        cells = {}
        for text in self.texts:
            if text.data and float(text.x).is_integer() and float(text.y).is_integer():
                cells[int(text.y), int(text.x)] = text.text
        return cells

    def by_ticks(self, cells) -> dict[tuple[str, str], object]:
        """A heat-map's cells keyed by (y tick label, x tick label):
        ``cells`` is an image array (indexed [row, column]) or a
        {(row, column): value} dict."""
        found = {}
        for y_label, row in self.tick_positions("y").items():
            for x_label, column in self.tick_positions("x").items():
                key = (int(row), int(column))
                if isinstance(cells, dict):
                    if key in cells:
                        found[y_label, x_label] = cells[key]
                else:
                    found[y_label, x_label] = cells[key]
        return found


@dataclass
class FigureData:
    suptitle: str
    supxlabel: str
    legends: list[str]  # labels of the figure-level legends
    legend_colours: dict[str, tuple]  # figure-level legend label: colour
    axes: list[AxesData]
    colorbars: list[tuple[str, float, float]]  # (label, vmin, vmax)
    figure: object  # the matplotlib Figure (closed)

    def axes_titled(self, part: str) -> AxesData:
        """The one axes whose title contains ``part``."""
        (found,) = [axes for axes in self.axes if part in axes.title]
        return found


def _legend_colour(handle) -> tuple | None:
    """The colour of a legend entry: a line's, else a patch's face or edge."""
    lines = hasattr(handle, "get_xdata")
    getters = ("get_color",) if lines else ("get_facecolor", "get_edgecolor")
    for getter in getters:
        colour = getattr(handle, getter, lambda: None)()
        if colour is not None and np.ndim(colour) == 2:
            colour = colour[0] if len(colour) else None
        if colour is not None:
            return rgba(colour)
    return None


def _legend_entries(legend) -> tuple[list[str], dict[str, tuple]]:
    labels = [text.get_text() for text in legend.get_texts()]
    entry_colours = {
        label: _legend_colour(handle)
        for label, handle in zip(labels, legend.legend_handles, strict=True)
    }
    return labels, entry_colours


def _errorbars(container: ErrorbarContainer) -> ErrorBars:
    data_line, _, bar_lines = container.lines
    found = ErrorBars(
        label=container.get_label() or "",
        x=None if data_line is None else _floats(data_line.get_xdata()),
        y=None if data_line is None else _floats(data_line.get_ydata()),
        marker=None if data_line is None else data_line.get_marker(),
        colour=None if data_line is None else rgba(data_line.get_color()),
    )
    # errorbar() draws the x error bars first, then the y ones.
    directions = [
        d for d, has in (("x", container.has_xerr), ("y", container.has_yerr)) if has
    ]
    for direction, collection in zip(directions, bar_lines, strict=True):
        segments = np.array(collection.get_segments(), dtype=float).reshape(-1, 2, 2)
        axis = 0 if direction == "x" else 1
        low = np.minimum(segments[:, 0, axis], segments[:, 1, axis])
        high = np.maximum(segments[:, 0, axis], segments[:, 1, axis])
        setattr(found, f"{direction}low", low)
        setattr(found, f"{direction}high", high)
    return found


def _bars(container: BarContainer) -> Bars:
    vertical = container.orientation == "vertical"
    patches = list(container.patches)
    positions = [
        p.get_x() + p.get_width() / 2 if vertical else p.get_y() + p.get_height() / 2
        for p in patches
    ]
    values = [p.get_height() if vertical else p.get_width() for p in patches]
    errors = None
    if container.errorbar is not None:
        bars = _errorbars(container.errorbar)
        errors = bars.yerr if vertical else bars.xerr
    return Bars(
        label=container.get_label() or "",
        orientation=container.orientation,
        positions=np.array(positions, dtype=float),
        values=np.array(values, dtype=float),
        errors=errors,
        colours=[rgba(p.get_facecolor()) for p in patches],
    )


def _band(collection: PolyCollection) -> Band:
    """Lower and upper ends at each x of a fill_between polygon."""
    vertices = np.concatenate([path.vertices for path in collection.get_paths()])
    x = np.unique(vertices[:, 0])
    low = np.array([vertices[vertices[:, 0] == v, 1].min() for v in x])
    high = np.array([vertices[vertices[:, 0] == v, 1].max() for v in x])
    colour = rgba(collection.get_facecolor()[0])
    return Band(collection.get_label() or "", x, low, high, colour)


def _ticks(axis) -> list[tuple[float, str]]:
    """(position, label) of an axis's major ticks."""
    axis.get_majorticklabels()  # formats the labels
    locations = axis.get_majorticklocs()
    ticks = axis.get_major_ticks(len(locations))
    return [
        (float(location), tick.label1.get_text())
        for location, tick in zip(locations, ticks, strict=True)
    ]


def axes_data(axes) -> AxesData:
    """Everything ``axes`` draws, as numbers and text."""
    data = AxesData(
        title=axes.get_title(),
        xlabel=axes.get_xlabel(),
        ylabel=axes.get_ylabel(),
        xscale=axes.get_xscale(),
        yscale=axes.get_yscale(),
        xlim=tuple(axes.get_xlim()),
        ylim=tuple(axes.get_ylim()),
        xticks=_ticks(axes.xaxis),
        yticks=_ticks(axes.yaxis),
    )
    in_containers = set()
    bar_patches = set()
    for container in axes.containers:
        if isinstance(container, BarContainer):
            data.bars.append(_bars(container))
            bar_patches.update(id(patch) for patch in container.patches)
        elif isinstance(container, ErrorbarContainer):
            # Bars' own error bars are the bars' errors, not points.
            if container.lines[0] is not None:
                data.errorbars.append(_errorbars(container))
            data_line, caps, _ = container.lines
            in_containers.update(id(line) for line in (data_line, *caps))
    for line in axes.get_lines():
        if id(line) in in_containers:
            continue
        data.lines.append(
            Line(
                label=line.get_label(),
                x=_floats(line.get_xdata()),
                y=_floats(line.get_ydata()),
                linestyle=line.get_linestyle(),
                marker=line.get_marker(),
                colour=rgba(line.get_color()),
            )
        )
    for patch in axes.patches:
        if isinstance(patch, StepPatch):
            values, edges, _ = patch.get_data()
            data.steps.append(
                Steps(
                    label=patch.get_label(),
                    values=_floats(values),
                    edges=_floats(edges),
                    fill=patch.get_fill(),
                    colour=rgba(patch.get_edgecolor()),
                )
            )
        elif isinstance(patch, Rectangle) and id(patch) not in bar_patches:
            data.boxes.append(
                Box(
                    label=patch.get_label(),
                    x=patch.get_x(),
                    y=patch.get_y(),
                    width=patch.get_width(),
                    height=patch.get_height(),
                    fill=patch.get_fill(),
                    edgecolour=rgba(patch.get_edgecolor()),
                )
            )
    for collection in axes.collections:
        if isinstance(collection, PolyCollection):
            data.bands.append(_band(collection))
        elif not isinstance(collection, LineCollection):
            raise NotImplementedError(f"reading {type(collection).__name__}")
    for image in axes.images:
        data.images.append(
            Image(
                array=_floats(image.get_array()),
                cmap=image.get_cmap().name,
                vmin=image.norm.vmin,
                vmax=image.norm.vmax,
            )
        )
    for text in axes.texts:
        if isinstance(text, Annotation):
            x, y = text.xy
            in_data = text.xycoords == "data"
        else:
            (x, y), in_data = (
                text.get_position(),
                text.get_transform() == axes.transData,
            )
        data.texts.append(Text(text.get_text(), float(x), float(y), in_data))
    legend = axes.get_legend()
    if legend is not None:
        data.legend, data.legend_colours = _legend_entries(legend)
    return data


def figure_data(figure) -> FigureData:
    """Every visible axes of ``figure`` (colour bars apart), and its
    figure-level titles and legends."""
    axes, colorbars = [], []
    for one in figure.axes:
        if hasattr(one, "_colorbar"):
            bar = one._colorbar
            colorbars.append((bar.ax.get_ylabel() or bar.ax.get_xlabel(),
                              bar.norm.vmin, bar.norm.vmax))  # fmt: skip
        elif one.get_visible():
            axes.append(axes_data(one))
    legends, legend_colours = [], {}
    for legend in figure.legends:
        labels, entry_colours = _legend_entries(legend)
        legends += labels
        legend_colours.update(entry_colours)
    return FigureData(
        suptitle=figure._suptitle.get_text() if figure._suptitle else "",
        supxlabel=figure._supxlabel.get_text() if figure._supxlabel else "",
        legends=legends,
        legend_colours=legend_colours,
        axes=axes,
        colorbars=colorbars,
        figure=figure,
    )


def capture_figures(monkeypatch) -> list[FigureData]:
    """Replace save_figure wherever a figure module imported it: figures are
    read into the returned list (in the order saved) and closed, not written.
    """
    for name in FIGURE_MODULES:
        importlib.import_module(name)
    plots = sys.modules["physics_dnn.plots"]
    original = plots.save_figure
    captured = []

    def record(figure, paths):
        assert list(paths), "a figure saved to no path"
        captured.append(figure_data(figure))
        plots.plt.close(figure)

    for name, module in list(sys.modules.items()):
        if (
            name.startswith("physics_dnn")
            and getattr(module, "save_figure", None) is original
        ):
            monkeypatch.setattr(module, "save_figure", record)
    return captured
