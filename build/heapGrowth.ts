/**
 * How far V8 lets a build process's heap grow past its live data before a full collection.
 * By default the limit after a full collection is up to 4× what survived it: a build of
 * 100,000 pages holds ~90 MB of plan when rendering starts, so the garbage that outlives a
 * young collection (~2.5 KB a page) piled up to ~370 MB before the first full collection
 * came. Held to 25% above the live data, the build's peak fell from 620 to 420 MB at no
 * time cost measurable (BENCHMARKS.md, issue 11).
 *
 * A V8 flag is the process's: only processes that exist to build set it (`pagemap build`,
 * a whole build apart); the runtime's heap stays V8's to size.
 */
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWTH_PERCENT = 25;

export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
}
