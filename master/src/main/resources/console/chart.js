// A small line chart in plain SVG for the hub's message rates: no library, nothing loaded from elsewhere.
'use strict';
const RateChart = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 600, H = 200, PAD_L = 44, PAD_B = 20, PAD_T = 10, PAD_R = 8;
  const SERIES = [
    {key: 'received', label: 'received', cls: 'line-received'},
    {key: 'sent', label: 'sent', cls: 'line-sent'},
    {key: 'dropped', label: 'dropped', cls: 'line-dropped'},
  ];

  function node(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function fmt(v) {
    return v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  // Draws points [{t, received, sent, dropped}] (messages per second) into an <svg>.
  function draw(svg, points) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('data-points', points.length);
    const last = points.length ? points[points.length - 1] : null;
    svg.setAttribute('data-last-received', last ? last.received.toFixed(3) : '0');
    svg.setAttribute('data-last-sent', last ? last.sent.toFixed(3) : '0');
    svg.setAttribute('data-max-received', Math.max(0, ...points.map(p => p.received)).toFixed(3));
    // The last points as [time, received/s], for tests and for anyone reading the page's markup.
    svg.setAttribute('data-recent', JSON.stringify(points.slice(-20).map(p => [p.t, +p.received.toFixed(3)])));
    const max = niceMax(Math.max(0, ...points.map(p => Math.max(p.received, p.sent, p.dropped))));
    const x0 = PAD_L, x1 = W - PAD_R, y0 = H - PAD_B, y1 = PAD_T;
    for (let i = 0; i <= 4; i++) {
      const y = y0 - (y0 - y1) * i / 4;
      svg.appendChild(node('line', {x1: x0, x2: x1, y1: y, y2: y, class: 'grid'}));
      svg.appendChild(node('text', {x: x0 - 4, y: y + 4, class: 'axis', 'text-anchor': 'end'}, fmt(max * i / 4)));
    }
    if (points.length === 0) {
      svg.appendChild(node('text', {x: W / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle'},
        'waiting for the hub\u2019s reports\u2026'));
      return;
    }
    const tMin = points[0].t, tMax = Math.max(points[points.length - 1].t, tMin + 1);
    const X = t => points.length === 1 ? x1 : x0 + (x1 - x0) * (t - tMin) / (tMax - tMin);
    const Y = v => y0 - (y0 - y1) * v / max;
    for (const s of SERIES) {
      const pts = points.map(p => `${X(p.t).toFixed(1)},${Y(p[s.key]).toFixed(1)}`).join(' ');
      svg.appendChild(node('polyline', {points: pts, class: s.cls, 'data-series': s.key}));
      if (points.length === 1) {
        const p = points[0];
        svg.appendChild(node('circle', {cx: X(p.t), cy: Y(p[s.key]), r: 3, class: s.cls}));
      }
    }
    const span = Math.round((tMax - tMin) / 1000);
    svg.appendChild(node('text', {x: x0, y: H - 4, class: 'axis'}, span > 0 ? `last ${span} s` : 'now'));
  }

  function legend(div) {
    div.textContent = '';
    for (const s of SERIES) {
      const item = document.createElement('span');
      item.className = 'legend ' + s.cls;
      item.textContent = s.label + ' msg/s';
      div.appendChild(item);
    }
  }

  return {draw, legend};
})();
