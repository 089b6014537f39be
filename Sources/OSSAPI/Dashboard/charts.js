// Chart.js 3.9 from Debian (global `Chart`, no date adapter): time axes are numeric
// (milliseconds) with our own tick labels.
const palette = { down: '#2f6fed', up: '#1f9d55', total: '#94a3b8', cpu: '#c77700', memory: '#7c3aed' };

function timeLabel(value, span) {
  const date = new Date(value);
  const text = date.toISOString();
  return span > 6 * 3600e3 ? text.slice(11, 16) : text.slice(11, 19);
}

/** A line chart over numeric time; `series` [{label, color, fill, axis}]. */
export function timeChart(canvas, series, { yFormat = (v) => v, y2Format, height, legend = true, axes = true } = {}) {
  if (typeof Chart === 'undefined') return null;
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: series.map((s) => ({ label: s.label, data: [], borderColor: palette[s.color] ?? s.color, backgroundColor: (palette[s.color] ?? s.color) + '22',
                                            fill: s.fill ?? false, pointRadius: (context) => (context.dataset.data.length < 4 ? 3 : 0), borderWidth: 2, tension: 0.25, yAxisID: s.axis ?? 'y' })) },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { display: legend, position: 'bottom' }, tooltip: { callbacks: {
        title: (items) => items.length ? new Date(items[0].parsed.x).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '',
        label: (item) => `${item.dataset.label}: ${(item.dataset.yAxisID === 'y2' && y2Format ? y2Format : yFormat)(item.parsed.y)}`,
      } } },
      scales: {
        x: { type: 'linear', display: axes, ticks: { maxTicksLimit: 7, callback: (v, _, ticks) => timeLabel(v, ticks.length ? ticks[ticks.length - 1].value - ticks[0].value : 0) }, grid: { display: false } },
        y: { display: axes, beginAtZero: true, ticks: { callback: (v) => yFormat(v), maxTicksLimit: 5 } },
        ...(y2Format ? { y2: { position: 'right', beginAtZero: true, grid: { display: false }, ticks: { callback: (v) => y2Format(v), maxTicksLimit: 5 } } } : {}),
      },
    },
  });
  if (height) canvas.parentElement.style.height = `${height}px`;
  return chart;
}

/** Replaces the points of series `index` ({x: ms, y}). */
export function setPoints(chart, index, points) {
  if (!chart) return;
  chart.data.datasets[index].data = points;
}
