/**
 * The build plan as data: given the rows, the template, what earlier builds recorded and what
 * is on disk, which jobs run and why, which are current, which lack a source, and which
 * recorded files go. No disk here: observations are written out as the stat pass would.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { type Observation, type OutputJob, PathIndex, RecordedOutputs, isCurrent, outputsForMap, planBuild, reasonToRun } from '../build/buildPlan.js';
import { hashParts } from '../build/hashParts.js';
import { type OutputRecord, outputFingerprint } from '../core/outputRecord.js';
import type { ValidRow } from '../core/pageRow.js';

const TEMPLATE = { hash: 'template-1', nav: [{ title: 'About', href: '/about/' }] };
const ROWS: ValidRow[] = [
  { path: '/index.html', status: 200, source: 'wiki:Home' },
  { path: '/about/index.html', status: 200, source: 'wiki:About' },
  { path: '/old.html', status: 200, source: 'file:old.html' },
  { path: '/moved', status: 301, source: '/about/' },
];

/** The jobs for `rows` (no assets), by file. */
function jobsFor(rows: readonly ValidRow[], template = TEMPLATE): OutputJob[] {
  return [...outputsForMap(rows, template, []).jobs];
}

/** What a clean build of `jobs` would have recorded, and the disk as it then is. */
function built(jobs: readonly OutputJob[]): { recorded: Map<string, OutputRecord>; observed: Map<string, Observation> } {
  const recorded = new Map<string, OutputRecord>();
  const observed = new Map<string, Observation>();
  for (const job of jobs) {
    recorded.set(job.file, { file: job.file, path: job.path, inputKey: job.inputKey, sourceSig: `src:${job.file}`, sourceHash: `hash:${job.file}`, outputSig: `out:${job.file}` });
    observed.set(job.file, { source: { absolute: `/site/${job.source.rel}`, sig: `src:${job.file}`, mtimeMs: 1 }, outputSig: `out:${job.file}` });
  }
  return { recorded, observed };
}

/** Records as planning takes them; `reads` hears each file whose whole record planning reads. */
function asRecorded(recorded: ReadonlyMap<string, OutputRecord>, reads: string[] = []): RecordedOutputs {
  const fingerprints = new Map(Array.from(recorded.values(), (record) => [record.file, outputFingerprint(record)]));
  return new RecordedOutputs(fingerprints, (files) => (reads.push(...files), files.map((file) => recorded.get(file)!)));
}

/** planBuild's question, answered from what built() found. */
const byFile = (observed: ReadonlyMap<string, Observation>) => (job: OutputJob) => observed.get(job.file);

const reasons = (plan: ReturnType<typeof planBuild>) => plan.work.map((w) => `${w.job.file}: ${w.reason}`).sort();

const Plan = suite('buildPlan: what a build must do');

Plan('the jobs say what to write and from what: file, page, source, render or copy', () => {
  const jobs = jobsFor(ROWS);
  assert.equal(
    jobs.map(({ file, path, source, render }) => ({ file, path, source, isRendered: render !== undefined })),
    [
      { file: 'index.html', path: '/index.html', source: { tree: 'wiki', rel: 'Home.md' }, isRendered: true },
      { file: 'about/index.html', path: '/about/index.html', source: { tree: 'wiki', rel: 'About.md' }, isRendered: true },
      { file: 'old.html', path: '/old.html', source: { tree: 'legacy', rel: 'old.html' }, isRendered: false },
      { file: '_pagemap/404.html', path: '', source: { tree: 'templates', rel: '404.md' }, isRendered: true },
      { file: '_pagemap/410.html', path: '', source: { tree: 'templates', rel: '410.md' }, isRendered: true },
    ],
  );
  assert.equal(JSON.parse(JSON.stringify(jobs)), jobs, 'nothing but data: it survives JSON');
});

Plan('nothing changed: every job is current, nothing removed', () => {
  const jobs = jobsFor(ROWS);
  const { recorded, observed } = built(jobs);
  const plan = planBuild(jobs, asRecorded(recorded), byFile(observed));
  assert.equal(plan.work, []);
  assert.is(plan.unchanged, jobs.length);
  assert.equal(plan.removals, []);
});

Plan('whole records are read only for the files that run, are missing or go: none when nothing changed', () => {
  const jobs = jobsFor(ROWS);
  const { recorded, observed } = built(jobs);
  const reads: string[] = [];
  assert.is(planBuild(jobs, asRecorded(recorded, reads), byFile(observed)).unchanged, jobs.length);
  assert.equal(reads, []);
  observed.set('old.html', { ...observed.get('old.html')!, source: { absolute: '/site/old.html', sig: 'touched', mtimeMs: 2 } });
  observed.set('index.html', { ...observed.get('index.html')!, source: undefined });
  const plan = planBuild(jobsFor(ROWS.filter((row) => row.path !== '/about/index.html')), asRecorded(recorded, reads), byFile(observed));
  assert.equal(reads.sort(), ['about/index.html', 'index.html', 'old.html']);
  assert.equal([...plan.recorded.keys()].sort(), reads);
});

Plan('a fingerprint says current exactly when reasonToRun finds no reason', () => {
  const job = jobsFor(ROWS)[0]!;
  const record: OutputRecord = { file: job.file, path: job.path, inputKey: job.inputKey, sourceSig: '10:1', sourceHash: 'h', outputSig: '20:2' };
  const records = [record, { ...record, inputKey: 'other' }, { ...record, sourceSig: '10:3' }, { ...record, outputSig: '21:2' }, { ...record, outputSig: '' }, { ...record, inputKey: '', sourceSig: '', outputSig: '' }];
  const source = { absolute: '/site/Home.md', sig: '10:1', mtimeMs: 1 };
  const sights: Observation[] = [{ source, outputSig: '20:2' }, { source, outputSig: undefined }, { source, outputSig: '' }, { source: { ...source, sig: '10:3' }, outputSig: '20:2' }, { source: undefined, outputSig: '20:2' }];
  for (const previous of records) {
    for (const seen of sights) {
      for (const full of [false, true]) {
        const expected = seen.source !== undefined && reasonToRun(job, previous, seen, full) === undefined;
        assert.is(isCurrent(job, seen, asRecorded(new Map([[job.file, previous]])), full), expected, JSON.stringify({ previous, seen, full }));
      }
    }
  }
  assert.not.ok(isCurrent(job, sights[0]!, asRecorded(new Map()), false), 'no record: never current');
});

Plan('a new page runs as new', () => {
  const before = jobsFor(ROWS);
  const { recorded, observed } = built(before);
  const jobs = jobsFor([...ROWS, { path: '/news.html', status: 200, source: 'wiki:News' }]);
  observed.set('news.html', { source: { absolute: '/site/News.md', sig: 's', mtimeMs: 1 }, outputSig: undefined });
  assert.equal(reasons(planBuild(jobs, asRecorded(recorded), byFile(observed))), ['news.html: new']);
});

Plan('an edited source runs with the recorded hash, so an unchanged text writes nothing', () => {
  const jobs = jobsFor(ROWS);
  const { recorded, observed } = built(jobs);
  observed.set('old.html', { ...observed.get('old.html')!, source: { absolute: '/site/old.html', sig: 'touched', mtimeMs: 2 } });
  const plan = planBuild(jobs, asRecorded(recorded), byFile(observed));
  assert.equal(reasons(plan), ['old.html: source changed']);
  assert.is(plan.work[0]!.previousHash, 'hash:old.html');
  assert.is(plan.work[0]!.outputSig, 'out:old.html');
});

Plan('a template change reruns every rendered page and no copy', () => {
  const { recorded, observed } = built(jobsFor(ROWS));
  const jobs = jobsFor(ROWS, { ...TEMPLATE, hash: 'template-2' });
  assert.equal(reasons(planBuild(jobs, asRecorded(recorded), byFile(observed))), [
    '_pagemap/404.html: inputs changed',
    '_pagemap/410.html: inputs changed',
    'about/index.html: inputs changed',
    'index.html: inputs changed',
  ]);
});

Plan('a removed row: its file goes, because no row owns it', () => {
  const { recorded, observed } = built(jobsFor(ROWS));
  const plan = planBuild(jobsFor(ROWS.filter((row) => row.path !== '/old.html')), asRecorded(recorded), byFile(observed));
  assert.equal(plan.removals, [{ file: 'old.html', path: '/old.html', reason: 'no 200 row owns it' }]);
  assert.equal(plan.work, []);
});

Plan('a page becoming a folder of pages: its old file goes, it runs inside its folder, the new page too', () => {
  const rows: ValidRow[] = [{ path: '/Guide', status: 200, source: 'wiki:Guide' }];
  const { recorded, observed } = built(jobsFor(rows));
  const grown = [...rows, { path: '/Guide/Download', status: 200 as const, source: 'wiki:Download' }];
  for (const file of ['Guide/.pagemap-page', 'Guide/Download']) observed.set(file, { source: { absolute: `/site/${file}.md`, sig: 's', mtimeMs: 1 }, outputSig: undefined });
  const plan = planBuild(jobsFor(grown), asRecorded(recorded), byFile(observed));
  assert.equal(plan.removals, [{ file: 'Guide', path: '/Guide', reason: 'its page moved' }]);
  assert.equal(reasons(plan), ['Guide/.pagemap-page: new', 'Guide/Download: new']);
  // The same with a whole map's jobs as a build gets them, made as they are iterated: planning
  // goes through them twice when something is removed, and the second time must see them all.
  const made = planBuild(outputsForMap(grown, TEMPLATE, []).jobs, asRecorded(recorded), byFile(observed));
  assert.equal(made.removals, plan.removals);
  assert.equal(reasons(made), reasons(plan));
});

Plan('an output not written by pagemap is never planned for removal; one changed behind its back is rewritten', () => {
  const jobs = jobsFor(ROWS);
  const { recorded, observed } = built(jobs);
  // public/robots.txt, say, was put there by someone else: no record, so the plan never names it.
  const plan = planBuild(jobs, asRecorded(recorded), byFile(observed));
  assert.not.ok(plan.removals.some((removal) => removal.file === 'robots.txt'));
  observed.set('index.html', { ...observed.get('index.html')!, outputSig: 'edited by hand' });
  assert.equal(reasons(planBuild(jobs, asRecorded(recorded), byFile(observed))), ['index.html: output changed']);
});

Plan('a missing source is listed apart; --full runs everything else', () => {
  const jobs = jobsFor(ROWS);
  const { recorded, observed } = built(jobs);
  observed.set('about/index.html', { source: undefined, outputSig: 'out:about/index.html' });
  const plan = planBuild(jobs, asRecorded(recorded), byFile(observed), { full: true });
  assert.equal(plan.missing.map((job) => job.file), ['about/index.html']);
  assert.ok(plan.work.every((w) => w.reason === 'forced'));
  assert.is(plan.work.length, jobs.length - 1);
});

Plan('a file a killed build was about to create (recorded, never finished) runs as new', () => {
  const jobs = jobsFor(ROWS);
  const { recorded, observed } = built(jobs);
  recorded.set('index.html', { file: 'index.html', path: '/index.html', inputKey: '', sourceSig: '', sourceHash: '', outputSig: '' });
  assert.equal(reasons(planBuild(jobs, asRecorded(recorded), byFile(observed))), ['index.html: new']);
});

Plan('the page index answers "is it a page?" and "are there pages below?" by search, whatever the characters', () => {
  const paths = ['/z', '/a/b', '/a b', '/é/x', '/a', '/😀', '/a-b', '/\uffff'];
  const index = new PathIndex(paths);
  for (const path of paths) assert.ok(index.has(path), path);
  for (const path of ['/', '/a/', '/b', '/é', '/a/b/c', '/😀/x', '']) assert.not.ok(index.has(path), path);
  assert.equal(['/a', '/a b', '/a-', '/é', '/😀', '/z', '/a/b'].map(index.hasBelow), [true, false, false, true, false, false, false]);
  assert.not.ok(new PathIndex([]).has('/a'));
});

Plan('hashParts hashes its parts length-prefixed, small or big: the keys earlier builds recorded stay valid', () => {
  const reference = (...parts: (string | number)[]) => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(`${String(part).length}:`).update(String(part));
    return hash.digest('hex').slice(0, 32);
  };
  const big = 'é'.repeat((1 << 20) + 1); // past HUGE_PART: hashed apart
  for (const parts of [['wiki', 'abc', '/a.html', 200], [big], ['a', big, 'c', big, ''], [], ['', ''], ['ab', 'c'], ['a', 'bc']]) {
    assert.is(hashParts(...parts), reference(...parts), JSON.stringify(parts).slice(0, 40));
  }
  assert.is.not(hashParts('ab', 'c'), hashParts('a', 'bc'));
});

Plan.run();
