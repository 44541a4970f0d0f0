/** Inline stylesheet of the HTML report (allowed by its CSP hash). */
export const REPORT_CSS = `
:root{--ok:#1a7f37;--bad:#c62828;--warn:#9a6700;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--caller:#0969da;--agent:#8250df}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:20px;margin:0 0 8px}
h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.banner{padding:12px 16px;border-radius:6px;color:#fff;font-weight:600;font-size:16px;margin-bottom:12px}
.banner.ok{background:var(--ok)}.banner.bad{background:var(--bad)}
.banner small{display:block;font-weight:400;font-size:13px;opacity:.9}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.kv th{width:320px}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:var(--panel)}
#ladder text{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;fill:var(--fg)}
#ladder .lifeline{stroke:#8c959f;stroke-dasharray:4 3}
#ladder .lifeline-label{font-weight:600}
#ladder .ladder-arrow{cursor:pointer}
#ladder .ladder-arrow line{stroke:#24292f;stroke-width:1.5}
#ladder .ladder-arrow polygon{fill:#24292f}
#ladder .ladder-arrow.response line{stroke:#0550ae}
#ladder .ladder-arrow.response polygon{fill:#0550ae}
#ladder .ladder-arrow .hit{fill:transparent}
#ladder .ladder-arrow:hover .hit,#ladder .ladder-arrow:focus .hit{fill:#ddf4ff}
#ladder .ladder-arrow.selected .hit{fill:#fff8c5}
#ladder .time{fill:var(--muted)}
#raw-panel{margin-top:8px}
#raw-title{font-weight:600;margin:4px 0}
pre{margin:0;padding:8px;background:var(--panel);border:1px solid var(--line);border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
details{margin:2px 0}
summary{cursor:pointer;font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.wave-wrap{position:relative}
#waveform{width:100%;height:220px;display:block;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:crosshair}
#cursor{position:absolute;top:0;bottom:0;width:1px;background:var(--bad);pointer-events:none;left:0;display:none}
.legend span{display:inline-block;margin-right:16px;font-size:12px;color:var(--muted)}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.legend .c{background:var(--caller)}.legend .a{background:var(--agent)}.legend .l{background:#cf222e}
audio{width:100%;margin-top:8px}
.note{color:var(--muted)}
.warn{color:var(--warn)}
ul.warnings{margin:4px 0;padding-left:20px}
`;

/**
 * Inline script of the HTML report (allowed by its CSP hash): ladder clicks show the raw
 * message (always through textContent), the waveform is drawn from the embedded peaks.
 */
export const REPORT_JS = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var raw = document.getElementById('raw-text');
  var rawTitle = document.getElementById('raw-title');
  var arrows = document.querySelectorAll('#ladder .ladder-arrow');
  function show(i) {
    var m = data.messages[i];
    if (!m) return;
    for (var k = 0; k < arrows.length; k++) arrows[k].classList.toggle('selected', k === i);
    rawTitle.textContent = '#' + (i + 1) + ' ' + m.direction + ' ' + m.transport.toUpperCase() + ' ' + (m.direction === 'sent' ? 'to ' : 'from ') + m.remote + ' at ' + m.at;
    raw.textContent = m.raw;
  }
  for (var a = 0; a < arrows.length; a++) {
    (function (el) {
      var i = Number(el.getAttribute('data-index'));
      el.addEventListener('click', function () { show(i); });
      el.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(i); }
      });
    })(arrows[a]);
  }

  var canvas = document.getElementById('waveform');
  if (!canvas || !data.timeline) return;
  var tl = data.timeline;
  var audio = document.getElementById('recording');
  var cursor = document.getElementById('cursor');
  var colors = { caller: '#0969da', agent: '#8250df' };
  function draw() {
    var dpr = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    var g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var span = Math.max(1, tl.endMs - tl.startMs);
    var xOf = function (t) { return ((t - tl.startMs) / span) * w; };
    var lanes = tl.lanes;
    var laneH = (h - 18) / lanes.length;
    g.font = '11px system-ui, sans-serif';
    for (var l = 0; l < lanes.length; l++) {
      var lane = lanes[l], top = l * laneH, mid = top + laneH / 2, color = colors[lane.speaker] || '#57606a';
      g.fillStyle = color + '22';
      (lane.segments || []).forEach(function (s) { g.fillRect(xOf(s.startMs), top + 2, Math.max(1, xOf(s.endMs) - xOf(s.startMs)), laneH - 4); });
      if (lane.peaks) {
        var n = lane.peaks.min.length;
        g.strokeStyle = color;
        g.beginPath();
        for (var b = 0; b < n; b++) {
          var x = xOf(tl.audioStartMs + (b + 0.5) * tl.audioDurationMs / n);
          g.moveTo(x, mid - (lane.peaks.max[b] / 1000) * (laneH / 2 - 3));
          g.lineTo(x + 0.01, mid - (lane.peaks.min[b] / 1000) * (laneH / 2 - 3));
        }
        g.stroke();
      }
      g.fillStyle = '#1f2328';
      g.fillText(lane.label, 4, top + 12);
      g.strokeStyle = '#d0d7de';
      g.beginPath(); g.moveTo(0, top + laneH); g.lineTo(w, top + laneH); g.stroke();
    }
    (tl.turns || []).forEach(function (t) {
      if (t.agentOnsetMs === null || t.latencyMs === null) return;
      var x1 = xOf(t.callerEndMs), x2 = xOf(t.agentOnsetMs), y = laneH;
      g.strokeStyle = '#cf222e'; g.fillStyle = '#cf222e';
      g.beginPath(); g.moveTo(x1, y - 10); g.lineTo(x1, y + 10); g.moveTo(x2, y - 10); g.lineTo(x2, y + 10); g.moveTo(x1, y); g.lineTo(x2, y); g.stroke();
      g.fillText(Math.round(t.latencyMs) + ' ms', Math.min(x1, x2) + 3, y - 3);
    });
    g.fillStyle = '#656d76';
    var step = span > 60000 ? 10000 : span > 20000 ? 5000 : 1000;
    for (var t = Math.ceil(tl.startMs / step) * step; t <= tl.endMs; t += step) {
      var tx = xOf(t);
      g.fillRect(tx, h - 18, 1, 4);
      g.fillText((t / 1000).toFixed(0) + ' s', tx + 2, h - 4);
    }
  }
  draw();
  window.addEventListener('resize', draw);
  if (audio && cursor) {
    audio.addEventListener('timeupdate', function () {
      var t = tl.audioStartMs + audio.currentTime * 1000;
      cursor.style.display = 'block';
      cursor.style.left = (((t - tl.startMs) / Math.max(1, tl.endMs - tl.startMs)) * canvas.clientWidth) + 'px';
    });
    canvas.addEventListener('click', function (e) {
      var r = canvas.getBoundingClientRect();
      var t = tl.startMs + ((e.clientX - r.left) / r.width) * (tl.endMs - tl.startMs);
      audio.currentTime = Math.max(0, (t - tl.audioStartMs) / 1000);
    });
  }
})();
`;
