/**
 * The results: JSON lines (one object per engine × metric × round, plus raw
 * samples) and a table of medians with min–max over rounds and the ratios
 * of berth to the floor and to the best other engine.
 */
import fs from 'node:fs';
import { spread } from './stats.js';

export interface ResultLine {
  engine: string;
  scenario: string;
  round: number;
  metric: string;
  value: number;
  note?: string;
}

/** Appends JSON lines to a file; the file is created on the first write. */
export class ResultsFile {
  readonly lines: ResultLine[] = [];
  constructor(readonly file: string) {}

  add(line: ResultLine): void {
    this.lines.push(line);
    fs.appendFileSync(this.file, JSON.stringify(line) + '\n');
  }

  raw(record: Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify(record) + '\n');
  }
}

/** Higher is better for rates (…/s); lower for everything else (ms, MiB). */
export function higherIsBetter(metric: string): boolean {
  return /\/s\b/.test(metric);
}

const fmt = (v: number): string => (!Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

/**
 * The table as text. Cells are "median (min–max)" over rounds; a metric
 * measured once shows the value alone. Ratios are berth ÷ reference, so
 * below 1 is better for times and above 1 is better for rates.
 */
export function renderTable(lines: ResultLine[], engines: string[]): string {
  const metrics = [...new Set(lines.map((l) => l.metric))];
  const notes = new Map(lines.filter((l) => l.note).map((l) => [`${l.engine}|${l.metric}`, l.note!]));
  const cell = (engine: string, metric: string) => spread(lines.filter((l) => l.engine === engine && l.metric === metric).map((l) => l.value));
  const header = ['metric', ...engines, 'berth/floor', 'berth/best other'];
  const rows = metrics.map((m) => {
    const cells = engines.map((e) => {
      const s = cell(e, m);
      if (s.n === 0) return notes.has(`${e}|${m}`) ? 'n/s' : '–';
      return s.n === 1 || s.min === s.max ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
    });
    const berth = cell('berth', m).median;
    const floor = cell('floor', m).median;
    const others = engines
      .filter((e) => e !== 'berth' && !e.startsWith('floor'))
      .map((e) => cell(e, m).median)
      .filter(Number.isFinite);
    const best = others.length === 0 ? NaN : higherIsBetter(m) ? Math.max(...others) : Math.min(...others);
    const ratio = (ref: number) => (Number.isFinite(berth) && Number.isFinite(ref) && ref !== 0 ? `${(berth / ref).toFixed(2)}×` : '–');
    return [m, ...cells, ratio(floor), ratio(best)];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`, ...rows.map(line)].join('\n');
}
