/** Every command, in the order the help lists them. */
import type { Command } from '../commandLine.js';
import { adminPassword } from './adminPassword.js';
import { build } from './build.js';
import { check } from './check.js';
import { init } from './init.js';
import { mapDiscover } from './mapDiscover.js';
import { mapExport } from './mapExport.js';
import { mapImport } from './mapImport.js';
import { mapList } from './mapList.js';
import { mapRm } from './mapRm.js';
import { mapSet } from './mapSet.js';
import { migrate } from './migrate.js';
import { misses } from './misses.js';
import { serve } from './serve.js';
import { status } from './status.js';
import { watch } from './watch.js';

export const COMMANDS: readonly Command[] = [init, mapList, mapSet, mapRm, mapImport, mapExport, mapDiscover, migrate, build, check, status, serve, watch, misses, adminPassword] as readonly Command[];
