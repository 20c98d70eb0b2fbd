/**
 * The wiki corpus's attachments: files MoinMoin kept beside its pages (images, PDFs, a few
 * scripts), written into the legacy tree with no row, so only discovery reaches them. Each
 * starts the way its kind does (PNG signature and IHDR, JPEG SOI and JFIF, `%PDF-1.4`, Python
 * source) and is filled to its size with seeded bytes: enough for a server to sniff and send,
 * not an image anyone can view.
 */
import { crc32 } from 'node:zlib';
import { encodePath } from '../core/pagePath.js';
import { gaussianFrom, randomFrom } from './corpusFiles.js';

export type AttachmentKind = 'png' | 'jpeg' | 'pdf' | 'py';

export interface Attachment {
  /** Relative to the legacy root: `attachments/SummerOfCode/2015/timeline-12.pdf`. */
  rel: string;
  /** The public path as a link writes it (URL-encoded). */
  href: string;
  kind: AttachmentKind;
  bytes: number;
  /** The index of the page it belongs to. */
  page: number;
}

export const ATTACHMENT_MIN_BYTES = 5_000;
export const ATTACHMENT_MAX_BYTES = 2_000_000;
const SCRIPTS = 12;
const BASES = ['screenshot', 'logo', 'diagram', 'architecture', 'timeline', 'slides', 'poster', 'flyer', 'photo', 'banner', 'chart', 'results', 'schedule', 'budget', 'report', 'handout', 'cheatsheet', 'example', 'demo', 'setup'];
const ODD_NAMES = ['Screen Shot (%d)', 'Group Photo %d', 'Slides (final) %d', 'Übersicht %d', 'café-%d', 'Straße %d', '日本語-%d', 'Flyer (A4) %d'];
const EXTENSIONS: Record<AttachmentKind, string> = { png: 'png', jpeg: 'jpg', pdf: 'pdf', py: 'py' };

/**
 * Plan `count` attachments of the pages `names` (the famous pages, which come first, get
 * more): sizes log-normal (median 40 kB) between 5 kB and 2 MB, both ends present; the
 * first few are Python scripts; one in eight has a name with spaces, parentheses or letters
 * beyond ASCII.
 */
export function planAttachments(count: number, names: readonly string[], seed: number): Attachment[] {
  const random = randomFrom(seed);
  const gaussian = gaussianFrom(random);
  const plan: Attachment[] = [];
  for (let k = 0; k < count; k++) {
    const page = random() < 0.3 ? Math.floor(random() * Math.min(200, names.length)) : Math.floor(random() * names.length);
    const r = random();
    const kind: AttachmentKind = k < SCRIPTS ? 'py' : r < 0.55 ? 'png' : r < 0.77 ? 'jpeg' : 'pdf';
    const oddity = random();
    const base = oddity < 0.12 ? ODD_NAMES[k % ODD_NAMES.length]!.replace('%d', String(k)) : `${BASES[Math.floor(random() * BASES.length)]}-${k}`;
    // The first two fix the range's ends; scripts are text, so smaller.
    const drawn = Math.round(40_000 * Math.exp(1.3 * gaussian()));
    const bytes = k === SCRIPTS ? ATTACHMENT_MAX_BYTES : k === SCRIPTS + 1 ? ATTACHMENT_MIN_BYTES : Math.min(kind === 'py' ? 60_000 : ATTACHMENT_MAX_BYTES, Math.max(ATTACHMENT_MIN_BYTES, drawn));
    const rel = `attachments/${names[page]}/${base}.${EXTENSIONS[kind]}`;
    plan.push({ rel, href: encodePath('/' + rel), kind, bytes, page });
  }
  return plan;
}

function filled(head: Uint8Array, tail: Uint8Array, bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out.set(head);
  const random = randomFrom(seed);
  const words = new Uint32Array(out.buffer, 0, bytes >>> 2);
  for (let i = Math.ceil(head.length / 4); i < words.length; i++) words[i] = random() * 4294967296;
  out.set(tail, bytes - tail.length);
  return out;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(data.length, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return chunk;
}

/** The bytes of one attachment. */
export function attachmentBytes(attachment: Attachment, seed: number): Uint8Array {
  const { bytes } = attachment;
  if (attachment.kind === 'py') {
    const random = randomFrom(seed);
    const lines = ['#!/usr/bin/env python3', `"""${attachment.rel}: attached to the wiki."""`, 'import sys', ''];
    let text = lines.join('\n') + '\n';
    while (text.length < bytes) text += `def step_${text.length}(value):\n    return value * ${Math.floor(random() * 1000)} + len(sys.argv)\n\n`;
    return Buffer.from(text.slice(0, bytes - 1) + '\n');
  }
  if (attachment.kind === 'png') {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(640, 0);
    header.writeUInt32BE(480, 4);
    header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
    const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header)]);
    const idat = Buffer.alloc(8);
    idat.writeUInt32BE(bytes - head.length - 8 - 4 - 12, 0); // the rest up to IEND is one IDAT chunk
    idat.write('IDAT', 4, 'latin1');
    return filled(Buffer.concat([head, idat]), pngChunk('IEND', new Uint8Array(0)), bytes, seed);
  }
  if (attachment.kind === 'jpeg') {
    const jfif = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
    return filled(jfif, Buffer.from([0xff, 0xd9]), bytes, seed);
  }
  const head = Buffer.from(`%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length ${bytes} >>\nstream\n`, 'latin1');
  return filled(head, Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1'), bytes, seed);
}
