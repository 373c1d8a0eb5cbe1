// placeholder replaced below
export async function runLedgerBench(_o: { json: boolean; txs: number }): Promise<void> {}
