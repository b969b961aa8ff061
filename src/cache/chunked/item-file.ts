import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** An open item file: positioned reads only (no seek state, so one descriptor serves any read order). */
export interface ItemFile {
  readonly path: string;
  readonly stat: Stats;
  /** Reads up to `into.length` bytes at `position`; returns how many it got (fewer only at the end of the file). */
  read(into: Uint8Array, position: number): number;
  close(): void;
}

/** Opens `path` for reading; 'missing' when there is no such file, else a message for any other failure. */
export function openItemFile(path: string): ItemFile | 'missing' | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : { error: `cannot open: ${(e as Error).message}` };
  }
  let stat: Stats;
  try {
    stat = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    return { error: `cannot stat: ${(e as Error).message}` };
  }
  let open = true;
  return {
    path,
    stat,
    read(into, position) {
      let done = 0;
      while (done < into.length) {
        const n = readSync(fd, into, done, into.length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
