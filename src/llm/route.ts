/** Helpers adapters use to decide whether an exchange is theirs. */

/** The path part of a request target: `/v1/chat/completions?x=1` → `/v1/chat/completions`. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** Host names compare case-insensitively, and a fully qualified name may end with a dot. */
export function isHost(serverName: string | null, host: string): boolean {
  if (serverName === null) return false;
  const name = serverName.endsWith('.') ? serverName.slice(0, -1) : serverName;
  return name.toLowerCase() === host;
}
