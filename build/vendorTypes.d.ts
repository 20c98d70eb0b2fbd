// Typings for the two packages the legacy-page conversion uses whose own are missing or misnamed.

// The DOM turndown itself parses with in Node; its typings declare the old package name.
declare module '@mixmark-io/domino' {
  export function createDocument(html?: string, force?: boolean): Document;
}

// Joplin's GitHub-flavoured plugin for turndown: tables (a heading row made when a table has none), strikethrough, task lists.
declare module '@joplin/turndown-plugin-gfm' {
  import type TurndownService from 'turndown';
  export function gfm(service: TurndownService): void;
}
