// Summarises a V8 CPU profile (node --cpu-prof): the functions with the most self time, and the project files and
// packages with the most time spent inside them (self time, by the file of the frame). For BENCHMARKS.md's notes on
// where a missed target's time goes.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts ceiling
//   node bench/profile-summary.mjs /tmp/prof/CPU.*.cpuprofile [top=25] [from-s] [to-s]
// With from/to (seconds since the profile began), only the samples in that window count: the measured part of a
// section, without the start-up (module loading) before it. `busy per second` shows where the window lies.
import fs from 'node:fs';

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top] [from-s] [to-s]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const [from, to] = [Number(fromArg ?? 0) * 1e6, Number(toArg ?? Infinity) * 1e6];
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map(); // node id → µs
const perSecond = []; // busy µs in each second of the profile
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  const idle = byId.get(profile.samples[i]).callFrame.functionName === '(idle)';
  if (!idle) perSecond[Math.floor(at / 1e6)] = (perSecond[Math.floor(at / 1e6)] ?? 0) + dt;
  if (at < from || at > to) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
const busy = total - idle;

const place = (cf) => {
  const url = cf.url.replace(/^file:\/\//, '');
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const own = url.match(/\/(src|bench|test)\/(.+)$/);
  if (own) return `${own[1]}/${own[2]}`;
  return url ? url.replace(/^node:/, 'node:') : `(${cf.functionName || 'native'})`;
};
const fns = new Map();
const places = new Map();
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  if (cf.functionName === '(idle)') continue;
  const key = `${cf.functionName || '(anonymous)'} ${place(cf)}${cf.url && !cf.url.includes('node_modules') ? `:${cf.lineNumber + 1}` : ''}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  places.set(place(cf), (places.get(place(cf)) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / busy).toFixed(1)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)`);
console.log(`busy per second (%): ${Array.from(perSecond, (t) => Math.round((t ?? 0) / 1e4)).join(' ')}`);
console.log(`\ntop ${top} functions by self time (share of busy time):`);
for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t).padStart(7)}  ${k}`);
console.log(`\ntop ${top} files and packages by self time:`);
for (const [k, t] of [...places].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t).padStart(7)}  ${k}`);
