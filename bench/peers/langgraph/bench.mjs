// SPDX-License-Identifier: GPL-3.0-or-later
//
// The aios-bench workload in LangGraph JS: N runs ("threads") of a 3-node
// graph, each node a step, checkpointed by the SQLite checkpointer on a file
// (WAL, synchronous=FULL: the same durability as the Aios workspace).
// Usage: node bench.mjs [N]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Annotation, StateGraph, START, END } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";

const runs = Number(process.argv[2] || 2000);
const path = join(mkdtempSync(join(tmpdir(), "aios-bench-langgraph-")), "checkpoints.db");

const State = Annotation.Root({
  n: Annotation(),
  outA: Annotation(),
  outB: Annotation(),
  outC: Annotation(),
});

const graph = new StateGraph(State)
  .addNode("a", (s) => ({ outA: { ok: true } }))
  .addNode("b", (s) => ({ outB: { text: `${s.n}-b` } }))
  .addNode("c", (s) => ({ outC: { text: `${s.outB.text}-c` } }))
  .addEdge(START, "a")
  .addEdge("a", "b")
  .addEdge("b", "c")
  .addEdge("c", END);

const saver = SqliteSaver.fromConnString(path);
saver.setup();
saver.db.pragma("journal_mode = WAL");
saver.db.pragma("synchronous = FULL");
const app = graph.compile({ checkpointer: saver });

const t0 = process.hrtime.bigint();
for (let i = 0; i < runs; i++) {
  const out = await app.invoke({ n: i }, { configurable: { thread_id: `run-${i}` } });
  if (out.outC.text !== `${i}-b-c`) throw new Error("wrong result");
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const steps = (runs * 3) / seconds;
const mode = saver.db.pragma("journal_mode", { simple: true });
const sync = saver.db.pragma("synchronous", { simple: true });
console.log(`LangGraph JS         ${steps.toFixed(0).padStart(8)} steps/s  (${runs} runs x 3 nodes, SqliteSaver, journal_mode=${mode}, synchronous=${sync === 2 ? "FULL" : sync})`);
console.log(`MACHINE steps=${steps.toFixed(1)}`);
