import type { LadderMessage } from '../caller/result';
import { escapeHtml } from './html-escape';
import { formatMs } from './text';

const COL_GAP = 320;
const LEFT = 130;
const TOP = 56;
const ROW = 34;
const LABEL_MAX = 52;

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * SIP ladder as inline SVG: one lifeline for our side and one per remote address, one arrow per
 * message (`g.ladder-arrow[data-index]`, focusable), the time since the INVITE on the left.
 */
export function renderLadderSvg(messages: readonly LadderMessage[]): string {
  const columns: string[] = [];
  const localCol = (_m: LadderMessage): number => 0;
  const remoteCol = (m: LadderMessage): number => {
    let i = columns.indexOf(m.remote);
    if (i < 0) i = columns.push(m.remote) - 1;
    return i + 1;
  };
  const rows = messages.map((m) => ({ m, from: m.direction === 'sent' ? localCol(m) : remoteCol(m), to: m.direction === 'sent' ? remoteCol(m) : localCol(m) }));
  const localName = messages.length ? messages[0].local : 'local';
  const names = [`sipprobe ${localName}`, ...columns];
  const width = LEFT + Math.max(1, columns.length) * COL_GAP + 120;
  const height = TOP + messages.length * ROW + 24;
  const x = (col: number): number => LEFT + 60 + col * COL_GAP;
  const parts: string[] = [];
  parts.push(`<svg id="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="SIP ladder diagram">`);
  names.forEach((name, i) => {
    parts.push(`<text class="lifeline-label" x="${x(i)}" y="20" text-anchor="middle">${escapeHtml(truncate(name, 44))}</text>`);
    parts.push(`<line class="lifeline" x1="${x(i)}" y1="30" x2="${x(i)}" y2="${height - 8}"/>`);
  });
  rows.forEach(({ m, from, to }, k) => {
    const y = TOP + k * ROW + 14;
    const x1 = x(from);
    const x2 = x(to);
    const dir = x2 > x1 ? 1 : -1;
    const head = `${x2},${y} ${x2 - dir * 9},${y - 5} ${x2 - dir * 9},${y + 5}`;
    const kind = /^SIP\/2\.0 /.test(m.firstLine) ? 'response' : 'request';
    const label = escapeHtml(truncate(m.firstLine, LABEL_MAX));
    const time = escapeHtml(`+${formatMs(m.t)}`);
    parts.push(
      `<g class="ladder-arrow ${kind} ${m.direction}" data-index="${k}" tabindex="0" role="button" aria-label="${escapeHtml(`${m.direction} ${truncate(m.firstLine, 80)} at ${formatMs(m.t)}`)}">` +
        `<title>${escapeHtml(`${m.at} ${m.direction} ${m.transport.toUpperCase()} ${m.direction === 'sent' ? `to ${m.remote}` : `from ${m.remote}`}`)}</title>` +
        `<rect class="hit" x="${Math.min(x1, x2) - 4}" y="${y - 22}" width="${Math.abs(x2 - x1) + 8}" height="${ROW - 4}"/>` +
        `<text class="time" x="8" y="${y + 4}">${time}</text>` +
        `<text class="label" x="${(x1 + x2) / 2}" y="${y - 6}" text-anchor="middle">${label}</text>` +
        `<line x1="${x1}" y1="${y}" x2="${x2 - dir * 8}" y2="${y}"/>` +
        `<polygon points="${head}"/>` +
        `</g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
