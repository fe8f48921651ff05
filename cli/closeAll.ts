/** Closes what a command opened (connections, stores), in order, whatever it is; absent ones are skipped. */
export async function closeAll(...things: ReadonlyArray<{ close(): Promise<unknown> } | null | undefined>): Promise<void> {
  for (const t of things) await t?.close();
}
