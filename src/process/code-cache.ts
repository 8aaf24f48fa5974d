import { closeSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * V8's code cache for the CommonJS the agent loads at start (issue 18: start-up time). Node 20
 * compiles every script it loads from source; with the cache, V8 takes the bytecode of every
 * function the script ran last time from one file instead, which roughly halves the cost of
 * loading the shipped bundle. Node 22's module.enableCompileCache() does this in Node itself.
 *
 * The cache file holds one entry per script, keyed by its path under `root` and checked against
 * the file's size and modification time (V8 itself checks only the source's length, its own version
 * and flags; a script whose entry does not fit is compiled from source and V8 drops a cache it
 * cannot use). The build writes it (tools/build-bundle.ts, at the warm-up runs' boot); the agent
 * writes it again when it exits only if an entry did not fit (a release started on another
 * Node.js), once, where its folder is writable. A script that calls import() is left to Node: a
 * script compiled through node:vm has no loader for it.
 */

const MAGIC = 'evse-agent code cache 1\n';

interface StoredEntry {
  size: number;
  mtimeMs: number;
  offset: number;
  length: number;
}

interface CompiledScript {
  script: vm.Script;
  size: number;
  mtimeMs: number;
}

/** What Node's CommonJS loader calls to run a module's source; not in @types/node. */
interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

export interface CodeCacheStats {
  /** Scripts compiled with their cached code. */
  hits: number;
  /** Scripts compiled from source that have no entry (not run by the build's warm-up). */
  misses: number;
  /** Scripts compiled from source whose entry did not fit: their file changed, or V8 rejected it (another Node.js, other flags). */
  unusable: number;
}

export class CodeCache {
  private readonly compiled = new Map<string, CompiledScript>();
  readonly stats: CodeCacheStats = { hits: 0, misses: 0, unusable: 0 };

  private constructor(
    private readonly file: string,
    private readonly root: string,
    private header: Record<string, StoredEntry>,
    /** Where the entries' bytes start in the file; they are read when needed, not kept (2 MB). */
    private dataStart: number,
  ) {}

  /** The cache in `file` (empty if it is missing or unreadable) for scripts under `root`. */
  static open(file: string, root: string): CodeCache {
    try {
      return withFile(file, (fd) => {
        const head = Buffer.alloc(MAGIC.length + 4);
        readSync(fd, head, 0, head.length, 0);
        if (head.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error('not a code cache');
        const headerBytes = Buffer.alloc(head.readUInt32LE(MAGIC.length));
        readSync(fd, headerBytes, 0, headerBytes.length, head.length);
        const header = JSON.parse(headerBytes.toString('utf8')) as Record<string, StoredEntry>;
        return new CodeCache(file, root, header, head.length + headerBytes.length);
      });
    } catch {
      return new CodeCache(file, root, {}, 0);
    }
  }

  /** The cached code of an entry, read from the file; undefined if it cannot be read. */
  private entryBytes(entry: StoredEntry): Buffer | undefined {
    try {
      return withFile(this.file, (fd) => {
        const bytes = Buffer.alloc(entry.length);
        return readSync(fd, bytes, 0, entry.length, this.dataStart + entry.offset) === entry.length ? bytes : undefined;
      });
    } catch {
      return undefined;
    }
  }

  /** Has Node's CommonJS loader compile the scripts under `root` through this cache from now on; returns the undoing. */
  install(): () => void {
    const moduleClass = Module as unknown as { prototype: CompilingModule };
    const original = moduleClass.prototype._compile;
    const { root } = this;
    const run = (module: CompilingModule, content: string, filename: string): unknown => this.run(module, content, filename);
    moduleClass.prototype._compile = function (this: CompilingModule, content: string, filename: string): unknown {
      if (!filename.startsWith(root) || content.includes('import(')) return original.call(this, content, filename);
      return run(this, content, filename);
    };
    return () => {
      moduleClass.prototype._compile = original;
    };
  }

  private run(module: CompilingModule, content: string, filename: string): unknown {
    const rel = path.relative(this.root, filename);
    const { size, mtimeMs } = statSync(filename);
    const stored = this.header[rel];
    const fits = stored !== undefined && stored.size === size && stored.mtimeMs === mtimeMs;
    const cachedData = fits ? this.entryBytes(stored) : undefined;
    // A shebang line is not JavaScript; kept as a comment so that line numbers stay.
    const source = content.startsWith('#!') ? `//${content}` : content;
    // The function wrapper is Node's own (module.wrap), so the module sees what Node would give it.
    const script = new vm.Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
    if (cachedData !== undefined && !script.cachedDataRejected) this.stats.hits++;
    else if (stored !== undefined) this.stats.unusable++;
    else this.stats.misses++;
    this.compiled.set(rel, { script, size, mtimeMs });
    const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => unknown;
    return run.call(module.exports, module.exports, createRequire(filename), module, filename, path.dirname(filename));
  }

  /**
   * Whether writing the cache would help: an entry did not fit, or there is no cache at all. A
   * script that merely has no entry (loaded after the start, which the warm-up covers) is no
   * reason: the cache would be written again at every exit.
   */
  get stale(): boolean {
    return this.stats.unusable > 0 || (this.scripts.length === 0 && this.stats.misses > 0);
  }

  /** The scripts the file has entries for. */
  get scripts(): string[] {
    return Object.keys(this.header);
  }

  /**
   * Writes the cached code of every script compiled through the cache so far (with the functions
   * they ran by now), and keeps the entries of the scripts this process did not load (another
   * OCPP version's validators), atomically. Throws if the folder is not writable.
   */
  write(): void {
    const header: Record<string, StoredEntry> = {};
    const chunks: Buffer[] = [];
    let offset = 0;
    const add = (rel: string, size: number, mtimeMs: number, data: Buffer): void => {
      header[rel] = { size, mtimeMs, offset, length: data.length };
      chunks.push(data);
      offset += data.length;
    };
    for (const [rel, { script, size, mtimeMs }] of this.compiled) add(rel, size, mtimeMs, script.createCachedData());
    for (const [rel, kept] of Object.entries(this.header)) {
      const bytes = this.compiled.has(rel) ? undefined : this.entryBytes(kept);
      if (bytes) add(rel, kept.size, kept.mtimeMs, bytes);
    }
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(headerBytes.length);
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, headerBytes, ...chunks]));
    renameSync(temporary, this.file);
    this.header = header;
    this.dataStart = MAGIC.length + length.length + headerBytes.length;
    this.stats.misses = 0;
    this.stats.unusable = 0;
  }
}

function withFile<T>(file: string, use: (fd: number) => T): T {
  const fd = openSync(file, 'r');
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** The scripts a cache file has entries for (the build checks its own). */
export function cachedScripts(file: string): string[] {
  return CodeCache.open(file, '').scripts;
}
