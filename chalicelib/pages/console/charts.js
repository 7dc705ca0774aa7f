// Charts drawn on the page as SVG from API data: no library, nothing from another origin, no inline style
// (colours come from console.css classes), every chart with a text alternative (a table beside it).
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/**
 * Horizontal bars: rows [{label, value, note?}] -> <svg role="img">, one bar per row, the value written after it.
 * `format(value)` shows a value ("12", "33.3%").
 */
export function barChart(rows, {title, format = String, width = 560} = {}) {
  const rowHeight = 28;
  const labelWidth = 170;
  const height = Math.max(rows.length, 1) * rowHeight + 8;
  const max = Math.max(1, ...rows.map((row) => Number(row.value) || 0));
  const svg = s('svg', {viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title},
    s('title', {}, title));
  rows.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const length = Math.round(((Number(row.value) || 0) / max) * (width - labelWidth - 80));
    svg.append(s('g', {class: `bar bar-${index % 8}`, 'data-label': row.label},
      s('text', {x: labelWidth - 8, y: y + 18, class: 'chart-label', 'text-anchor': 'end'}, row.label),
      s('rect', {x: labelWidth, y: y + 4, width: Math.max(length, 1), height: rowHeight - 10, rx: 3}),
      s('text', {x: labelWidth + Math.max(length, 1) + 6, y: y + 18, class: 'chart-value'}, format(row.value))));
  });
  return svg;
}

/**
 * Stacked columns per day: days [{day, parts: {name: count}}], names in `series` order, with a legend.
 */
export function stackedColumns(days, series, {title, width = 640} = {}) {
  const height = 220;
  const bottom = height - 28;
  const top = 12;
  const totals = days.map((day) => series.reduce((sum, name) => sum + (day.parts[name] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = (width - 50) / Math.max(days.length, 1);
  const svg = s('svg', {viewBox: `0 0 ${width} ${height + 24}`, class: 'chart', role: 'img', 'aria-label': title},
    s('title', {}, title), s('line', {x1: 40, x2: width, y1: bottom, y2: bottom, class: 'axis'}),
    s('text', {x: 34, y: top + 8, class: 'chart-value', 'text-anchor': 'end'}, String(max)),
    s('text', {x: 34, y: bottom, class: 'chart-value', 'text-anchor': 'end'}, '0'));
  days.forEach((day, index) => {
    const x = 44 + index * step;
    let y = bottom;
    const column = s('g', {'data-day': day.day});
    series.forEach((name, position) => {
      const count = day.parts[name] || 0;
      if (!count) return;
      const h = ((bottom - top) * count) / max;
      y -= h;
      column.append(s('rect', {x, y, width: Math.max(step - 6, 2), height: h, class: `series-${position % 8}`},
        s('title', {}, `${day.day} · ${name}: ${count}`)));
    });
    if (days.length <= 16 || index % Math.ceil(days.length / 16) === 0) {
      column.append(s('text', {x: x + (step - 6) / 2, y: bottom + 14, class: 'chart-label', 'text-anchor': 'middle'}, day.day.slice(5)));
    }
    svg.append(column);
  });
  series.forEach((name, position) => {
    const x = 44 + position * 150;
    svg.append(s('rect', {x, y: height + 6, width: 12, height: 12, class: `series-${position % 8}`}),
      s('text', {x: x + 16, y: height + 16, class: 'chart-label'}, name));
  });
  return svg;
}
