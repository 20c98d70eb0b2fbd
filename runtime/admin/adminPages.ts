/**
 * The admin page's HTML: plain server-rendered forms in the site's own template, usable
 * without JavaScript (there is none). Pure — every function takes what it shows and returns
 * markup — and every value from the map, the misses or a form is escaped here.
 */
import type { SiteTemplate } from '../../build/template.js';
import { fillTemplate } from '../../build/template.js';
import { escapeHtml } from '../../core/html.js';
import { type ListFilter, type MissRecord, SOURCE_KINDS } from '../../core/pageMap.js';
import { encodePath, isPrefixPath, pathForExport } from '../../core/pagePath.js';
import { ORIGINS, type PageRow, STATUSES } from '../../core/pageRow.js';
import { isPatternPath } from '../../core/patterns.js';
import type { MigrationStatus } from '../migrationStatus.js';
import { ADMIN_PATH } from './adminAccess.js';

export const ADMIN_CSS_PATH = `${ADMIN_PATH}/admin.css`;

/** The admin's sections, in the left navigation. */
const SECTIONS = [
  { key: 'map', title: 'Page map', href: ADMIN_PATH },
  { key: 'misses', title: 'Misses', href: `${ADMIN_PATH}/misses` },
  { key: 'status', title: 'Migration status', href: `${ADMIN_PATH}/status` },
] as const;
export type Section = (typeof SECTIONS)[number]['key'];

/** What the last change did (`added: /x`, warnings), or why it was refused. */
export interface Notice {
  lines: string[];
  isError: boolean;
}

/** A row form's values as the person typed them (kept when the row is refused). */
export interface RowFormValues {
  path: string;
  status: string;
  source: string;
}

const h = escapeHtml;

/** The admin path with a query, each value encoded. */
export function adminUrl(sub: string, query: Record<string, string | number | undefined> = {}): string {
  const pairs = Object.entries(query).filter(([, value]) => value !== undefined && value !== '');
  return `${ADMIN_PATH}${sub}${pairs.length ? '?' + new URLSearchParams(pairs.map(([k, v]) => [k, String(v)])).toString() : ''}`;
}

/** A stored ISO time as the pages show it: `2026-11-27 19:35`. */
function shortTime(iso: string): string {
  return h(iso.slice(0, 16).replace('T', ' '));
}

function noticeHtml(notice: Notice | undefined): string {
  if (!notice) return '';
  return `<div class="admin-notice${notice.isError ? ' admin-error' : ''}" role="${notice.isError ? 'alert' : 'status'}">${notice.lines.map((line) => `<p>${h(line)}</p>`).join('')}</div>`;
}

function csrfField(token: string): string {
  return `<input type="hidden" name="csrf" value="${h(token)}">`;
}

function options(values: readonly (string | number)[], selected: string, blank?: string): string {
  const all = blank === undefined ? values.map(String) : ['', ...values.map(String)];
  return all.map((value) => `<option value="${h(value)}"${value === selected ? ' selected' : ''}>${h(value === '' ? blank! : value)}</option>`).join('');
}

/** A whole admin page: the content in the site's template, the admin's own navigation on the left. */
export function adminPage(template: SiteTemplate, page: { section: Section | 'login'; title: string; content: string; csrfToken?: string }): string {
  const nav = `<ul class="nav-sections">${SECTIONS.map(
    (s) => `<li class="nav-section${s.key === page.section ? ' current' : ''}"><a href="${h(s.href)}"${s.key === page.section ? ' aria-current="page"' : ''}>${h(s.title)}</a></li>`,
  ).join('')}</ul>`;
  const logout = page.csrfToken ? `<form class="admin-logout" method="post" action="${ADMIN_PATH}/logout">${csrfField(page.csrfToken)}<button type="submit">Log out</button></form>` : '';
  const content = `<link rel="stylesheet" href="${ADMIN_CSS_PATH}">\n${logout}<h1>${h(page.title)}</h1>\n${page.content}`;
  const breadcrumbs = `<a href="/">Home</a> <span class="sep">&gt;</span> <a href="${ADMIN_PATH}">Admin</a> <span class="sep">&gt;</span> <span class="here">${h(page.title)}</span>`;
  return fillTemplate(template, { path: ADMIN_PATH, title: `Admin: ${page.title}`, content, lastModified: '', breadcrumbs, nav });
}

/** The public URL a row's page answers at (exact rows only): a folder index as its folder. */
function publicHref(path: string): string | undefined {
  if (isPatternPath(path) || isPrefixPath(path)) return undefined;
  return encodePath(path.endsWith('/index.html') ? path.slice(0, -'index.html'.length) : path);
}

function rowForm(action: 'add' | 'save', values: RowFormValues, csrfToken: string, returnTo?: string): string {
  const pathField =
    action === 'add'
      ? `<label>Path <input name="path" value="${h(values.path)}" required size="30" placeholder="/old/page.html, /folder/*, ~^/regex$"></label>`
      : `<input type="hidden" name="path" value="${h(values.path)}">`;
  return `<form class="admin-row" method="post" action="${ADMIN_PATH}/row">${csrfField(csrfToken)}${returnTo ? `<input type="hidden" name="return" value="${h(returnTo)}">` : ''}
${pathField}
<label>Status <select name="status">${options(STATUSES, values.status)}</select></label>
<label>Source <input name="source" value="${h(values.source)}" size="34" placeholder="wiki:Name, file:rel/path, /new/path, https://…"></label>
<button type="submit" name="action" value="${action}">${action === 'add' ? 'Add row' : 'Save'}</button>
</form>`;
}

export interface MapView {
  rows: PageRow[];
  total: number;
  filter: ListFilter;
  page: number;
  pageCount: number;
  csrfToken: string;
  notice?: Notice;
  addValues?: RowFormValues;
}

/** The map: filters, one page of rows, paging, and the form that adds a row. */
export function mapContent(view: MapView): string {
  const { filter } = view;
  const query = { q: filter.search, status: filter.status, kind: filter.sourceKind, origin: filter.origin };
  const filters = `<form class="admin-filters" method="get" action="${ADMIN_PATH}" role="search">
<label>Search paths and sources <input type="search" name="q" value="${h(filter.search ?? '')}" size="24"></label>
<label>Status <select name="status">${options(STATUSES, String(filter.status ?? ''), 'any')}</select></label>
<label>Source kind <select name="kind">${options(SOURCE_KINDS, filter.sourceKind ?? '', 'any')}</select></label>
<label>Origin <select name="origin">${options(ORIGINS, filter.origin ?? '', 'any')}</select></label>
<button type="submit">Filter</button>
</form>`;
  const body = view.rows
    .map((row) => {
      const href = row.status === 200 ? publicHref(row.path) : undefined;
      const shown = pathForExport(row.path);
      return `<tr><td><a href="${h(adminUrl('/row', { path: shown }))}">${h(shown)}</a>${href ? ` <a class="admin-view" href="${h(href)}">view</a>` : ''}</td><td>${row.status}</td><td>${h(row.source)}</td><td>${row.origin}</td><td>${shortTime(row.updated)}</td></tr>`;
    })
    .join('\n');
  const table = view.rows.length
    ? `<table class="admin-table"><thead><tr><th>Path</th><th>Status</th><th>Source</th><th>Origin</th><th>Updated</th></tr></thead><tbody>\n${body}\n</tbody></table>`
    : '<p>No row matches.</p>';
  const pager =
    view.pageCount > 1
      ? `<nav class="admin-pager" aria-label="Pages">${view.page > 1 ? `<a href="${h(adminUrl('', { ...query, page: view.page - 1 }))}" rel="prev">&larr; previous</a>` : ''} page ${view.page} of ${view.pageCount} ${view.page < view.pageCount ? `<a href="${h(adminUrl('', { ...query, page: view.page + 1 }))}" rel="next">next &rarr;</a>` : ''}</nav>`
      : '';
  return `${noticeHtml(view.notice)}
${filters}
<p class="admin-count">${view.total} ${view.total === 1 ? 'row' : 'rows'}</p>
${table}
${pager}
<h2>Add a row</h2>
${rowForm('add', view.addValues ?? { path: '', status: '301', source: '' }, view.csrfToken)}`;
}

/** One row: change its status and source, or remove it. */
export function rowContent(row: PageRow | undefined, shownPath: string, csrfToken: string, notice?: Notice, values?: RowFormValues): string {
  if (!row) return `${noticeHtml(notice)}<p>There is no row at ${h(shownPath)}. <a href="${h(adminUrl('', { q: shownPath }))}">Search for it</a>.</p>`;
  const href = row.status === 200 ? publicHref(row.path) : undefined;
  return `${noticeHtml(notice)}
<p class="admin-meta">${h(shownPath)}${href ? ` — <a href="${h(href)}">view the page</a>` : ''} · ${row.origin} · added ${h(row.created.slice(0, 10))}, changed ${shortTime(row.updated)}</p>
${rowForm('save', values ?? { path: shownPath, status: String(row.status), source: row.source }, csrfToken)}
<form class="admin-remove" method="post" action="${ADMIN_PATH}/row">${csrfField(csrfToken)}<input type="hidden" name="path" value="${h(shownPath)}"><button type="submit" name="action" value="remove">Remove this row</button></form>`;
}

/** The misses, most requested first, each with a form that makes it a row: a redirect, or gone. */
export function missesContent(misses: readonly Required<MissRecord>[], csrfToken: string, notice?: Notice): string {
  if (!misses.length) return `${noticeHtml(notice)}<p>No misses: every path visitors asked for has an answer.</p>`;
  const rows = misses
    .map((miss) => {
      const shown = pathForExport(miss.path);
      const form = `<form class="admin-make-row" method="post" action="${ADMIN_PATH}/row">${csrfField(csrfToken)}<input type="hidden" name="action" value="add"><input type="hidden" name="return" value="misses"><input type="hidden" name="path" value="${h(shown)}">
<label><span class="visually-hidden">Redirect ${h(shown)} to</span><input name="source" size="16" placeholder="/new/path or https://…"></label>
<button type="submit" name="status" value="301">Redirect (301)</button><button type="submit" name="status" value="410">Gone (410)</button></form>`;
      const asked = `<span class="admin-meta">${miss.count} ${miss.count === 1 ? 'request' : 'requests'}, last ${shortTime(miss.lastSeen)}</span>`;
      return `<tr><td>${h(shown)}<br>${asked}</td><td class="admin-referrer">${miss.referrer ? h(miss.referrer) : ''}</td><td>${form}</td></tr>`;
    })
    .join('\n');
  return `${noticeHtml(notice)}
<p>The paths visitors asked for that nothing answers, most requested first, with the page that last linked to each. Make a row and the next request follows it.</p>
<table class="admin-table"><thead><tr><th>Path</th><th>Linked from</th><th>Make a row</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** The migration at a glance (pagemap status, as a page). */
export function statusContent(status: MigrationStatus): string {
  const { rows, pages } = status;
  const share = (pages.wikiShare * 100).toFixed(1);
  const list = (items: string[]) => (items.length ? `<ul>${items.join('')}</ul>` : '');
  return `<h2>Pages</h2>
<p><strong>${pages.wiki}</strong> of ${pages.total} pages on the wiki (<strong>${share}%</strong>), ${pages.legacy} still legacy files.</p>
<p class="admin-share"><meter min="0" max="1" value="${pages.wikiShare}">${share}%</meter></p>
<h2>Rows</h2>
<table class="admin-table"><thead><tr><th>Rows</th>${Object.keys(rows.byStatus).map((code) => `<th>${code}</th>`).join('')}<th>exact</th><th>prefix</th><th>pattern</th></tr></thead>
<tbody><tr><td>${rows.total}</td>${Object.values(rows.byStatus).map((n) => `<td>${n}</td>`).join('')}<td>${rows.byKind.exact}</td><td>${rows.byKind.prefix}</td><td>${rows.byKind.pattern}</td></tr></tbody></table>
<p>Discovered in the last 7 days: <strong>${status.discoveredLastWeek}</strong></p>
<h2>Misses</h2>
${status.topMisses.length ? list(status.topMisses.map((m) => `<li>${m.count} × ${h(pathForExport(m.path))}${m.referrer ? ` (from ${h(m.referrer)})` : ''}</li>`)) + `<p><a href="${ADMIN_PATH}/misses">Make rows of them</a></p>` : '<p>None.</p>'}
<h2>Broken internal links: ${status.brokenLinks.count}</h2>
${list(status.brokenLinks.first.map((link) => `<li>${h(link.page)} (${h(link.file)}:${link.line}): ${h(link.href)} → ${h(link.answer)}</li>`))}
${status.brokenLinks.count > status.brokenLinks.first.length ? '<p>pagemap check lists them all.</p>' : ''}
<h2>Redirect chains: ${status.chains.count}</h2>
${list(status.chains.first.map((chain) => `<li>${chain.map(h).join(' → ')}</li>`))}`;
}

/** The login form; `next` is where to go after (an admin path). */
export function loginContent(next: string, problem?: string): string {
  return `${problem ? noticeHtml({ lines: [problem], isError: true }) : ''}
<form class="admin-login" method="post" action="${ADMIN_PATH}/login"><input type="hidden" name="next" value="${h(next)}">
<label>Password <input type="password" name="password" required autocomplete="current-password" autofocus></label>
<button type="submit">Log in</button></form>`;
}

/** The admin's own stylesheet (forms, notices, the pager), on top of the site's. */
export const ADMIN_CSS = `.admin-notice{border:1px solid #B7BECC;background:#F7F6F0;padding:.2em .8em;margin:0 0 1em}
.admin-notice p{margin:.3em 0}
.admin-error{border-color:#C33;background:#FDECEC;color:#900}
.admin-filters,.admin-row,.admin-login{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:flex-end;margin:0 0 1em}
.admin-filters label,.admin-row label,.admin-login label{display:flex;flex-direction:column;font-size:90%;color:#4C5B6B}
.admin-filters input,.admin-filters select,.admin-row input,.admin-row select,.admin-make-row input,.admin-login input{border:1px solid #C4CCCC;padding:.2em;font:inherit}
.admin-make-row{display:flex;flex-wrap:wrap;gap:.3em;align-items:center;margin:0}
.admin-make-row button{white-space:nowrap}
.admin-referrer{word-break:break-all}
.admin-meta{font-size:90%}
.admin-logout{float:right;margin:0}
.admin-remove{margin:1em 0}
.admin-remove button{color:#900}
.admin-count,.admin-meta{color:#4C5B6B}
.admin-pager{margin:0 0 1.5em}
.admin-view{font-size:85%;color:#666}
.admin-share meter{width:20em;height:1.2em}
`;
