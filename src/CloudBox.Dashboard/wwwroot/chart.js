// A small SVG line chart for time series: a y axis from 0 to a round maximum, time labels, one line per series,
// the points as circles (with the value as their tooltip) when there are few, and a legend with each series' latest,
// mean and peak value. No library; served by the binary like every other asset.

import { svg as s, svgNs } from './lib.js';

/** The smallest 1, 2 or 5 times a power of ten at or above v (0 stays 0). */
export function niceCeiling(v) {
  if (!(v > 0)) return 0;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= v - 1e-12) return step * power;
  return 10 * power;
}

/** niceCeiling in the binary unit (B, KiB, MiB…) of v, so a byte axis reads 0, 2.5, 5, 7.5, 10 KiB. */
export function binaryCeiling(v) {
  if (!(v >= 1024)) return niceCeiling(v);
  const unit = 1024 ** Math.floor(Math.log(v) / Math.log(1024));
  return niceCeiling(v / unit) * unit;
}

const pad2 = n => String(n).padStart(2, '0');

/** A time label: HH:MM within a day's span, else day/month and HH:MM (local time, as the browser shows it). */
export function timeLabel(ms, spanMs) {
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return spanMs > 86400000 ? `${d.getDate()}/${d.getMonth() + 1} ${hm}` : hm;
}

/**
 * A chart. options: { title, series: [{ name, points: [[timeMs, value]] }], start, end (ms), format(value) → text,
 * ceiling(peak) → the axis maximum, empty: the message shown when no series has a point }. Returns a figure element; its SVG carries data-* attributes
 * (each line's name and point count) so a reader or a test can check what is drawn.
 */
export function lineChart({ title, series, start, end, format = v => String(v), ceiling = niceCeiling, empty = 'No measures yet.' }) {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  figure.append(caption);
  const all = series.flatMap(x => x.points);
  if (all.length === 0) {
    const p = document.createElement('p');
    p.className = 'muted chart-empty';
    p.textContent = empty;
    figure.append(p);
    return figure;
  }
  const width = 560, height = 220, left = 78, right = 12, top = 12, bottom = 28;
  const plotW = width - left - right, plotH = height - top - bottom;
  const t0 = Math.min(start ?? Infinity, ...all.map(p => p[0]));
  const t1 = Math.max(end ?? -Infinity, ...all.map(p => p[0]));
  const span = Math.max(1, t1 - t0);
  const max = ceiling(Math.max(...all.map(p => p[1]))) || 1;
  const x = t => left + (t - t0) / span * plotW;
  const y = v => top + plotH - v / max * plotH;
  const svg = s('svg', { xmlns: svgNs, viewBox: `0 0 ${width} ${height}`, class: 'linechart', role: 'img', 'aria-label': `${title}: ${series.map(x => `${x.name} ${summary(x.points, format).latest}`).join(', ')}`, 'data-max': max });
  const axes = s('g', { class: 'axes' });
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    axes.append(s('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }),
      s('text', { class: 'ylabel', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + span * i / 4;
    axes.append(s('text', { class: 'xlabel', x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, timeLabel(t, span)));
  }
  axes.append(s('line', { class: 'axis', x1: left, x2: left, y1: top, y2: top + plotH }), s('line', { class: 'axis', x1: left, x2: width - right, y1: top + plotH, y2: top + plotH }));
  svg.append(axes);
  const legend = document.createElement('dl');
  legend.className = 'legend';
  series.forEach((line, index) => {
    const points = [...line.points].sort((a, b) => a[0] - b[0]);
    const g = s('g', { class: `series s${index}`, 'data-series': line.name, 'data-points': points.length });
    if (points.length) {
      g.append(s('polyline', { points: points.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') }));
      if (points.length <= 120) {
        for (const p of points) {
          const dot = s('circle', { cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.5, 'data-time': new Date(p[0]).toISOString(), 'data-value': p[1] });
          dot.append(s('title', {}, `${line.name} ${timeLabel(p[0], span)}: ${format(p[1])}`));
          g.append(dot);
        }
      }
    }
    svg.append(g);
    const stats = summary(points, format);
    const dt = document.createElement('dt');
    dt.className = `s${index}`;
    dt.textContent = line.name;
    const dd = document.createElement('dd');
    dd.dataset.series = line.name;
    dd.textContent = points.length ? `latest ${stats.latest} · mean ${stats.mean} · peak ${stats.peak}` : 'no measures';
    legend.append(dt, dd);
  });
  figure.append(svg, legend);
  return figure;
}

function summary(points, format) {
  if (!points.length) return { latest: '—', mean: '—', peak: '—' };
  const values = points.map(p => p[1]);
  return {
    latest: format(points.reduce((a, b) => (b[0] > a[0] ? b : a))[1]),
    mean: format(values.reduce((a, b) => a + b, 0) / values.length),
    peak: format(Math.max(...values)),
  };
}
