// Runs a command and reports its wall-clock time and peak resident memory.
// GNU time (/usr/bin/time -v) supplies the peak RSS of the whole process
// tree's largest process; without it only wall time is known.
'use strict';

const fs = require('fs');
const { spawnSync } = require('child_process');

const gnuTime = '/usr/bin/time';

// measureCommand runs cmd once and returns {seconds, maxRssMB, status}.
// The command's own output is discarded: only its cost is of interest.
function measureCommand(cmd, args, opts = {}) {
  const haveTime = fs.existsSync(gnuTime);
  const start = process.hrtime.bigint();
  const res = haveTime
    ? spawnSync(gnuTime, ['-v', cmd, ...args], { ...opts, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 })
    : spawnSync(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'ignore'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (res.error) throw res.error;
  let maxRssMB = null;
  let status = res.status;
  if (haveTime) {
    const err = res.stderr.toString();
    const rss = err.match(/Maximum resident set size \(kbytes\): (\d+)/);
    if (rss) maxRssMB = Number((Number(rss[1]) / 1024).toFixed(1));
    const exit = err.match(/Exit status: (\d+)/);
    if (exit) status = Number(exit[1]);
  }
  return { seconds, maxRssMB, status };
}

// bestRun measures `runs` runs, after one warm-up run (file cache, JIT code
// cache) unless the caller already did one, and returns the fastest, with the
// highest peak RSS seen.
function bestRun(runs, cmd, args, opts = {}, warmUp = true) {
  if (warmUp) measureCommand(cmd, args, opts);
  let best = null;
  let peak = null;
  for (let i = 0; i < runs; i++) {
    const m = measureCommand(cmd, args, opts);
    if (!best || m.seconds < best.seconds) best = m;
    if (m.maxRssMB !== null && (peak === null || m.maxRssMB > peak)) peak = m.maxRssMB;
  }
  return { ...best, maxRssMB: peak };
}

module.exports = { measureCommand, bestRun };

// As a command: node measure.js --label NAME [--runs N] -- CMD ARGS...
// prints one JSON line, like the peer timers.
if (require.main === module) {
  const sep = process.argv.indexOf('--');
  if (sep < 0 || sep + 1 >= process.argv.length) {
    console.error('usage: node measure.js --label NAME [--runs N] -- CMD [ARGS...]');
    process.exit(2);
  }
  const flags = process.argv.slice(2, sep);
  const get = (f, d) => (flags.indexOf(f) >= 0 ? flags[flags.indexOf(f) + 1] : d);
  const runs = Number(get('--runs', '3'));
  const m = bestRun(runs, process.argv[sep + 1], process.argv.slice(sep + 2));
  const out = { tool: get('--label', process.argv[sep + 1]), runs, ...m };
  console.error(`${out.tool}: best of ${runs}: ${m.seconds.toFixed(3)} s wall, peak RSS ${m.maxRssMB ?? '?'} MB, exit ${m.status}`);
  console.log(JSON.stringify(out));
}
