// Baseline: a bare Express 5 JSON route, nothing else, on the given PORT.
import express from "express";

const app = express();
const body = { id: "00000000-0000-4000-8000-000000000000", title: "baseline", segmentCount: 3 };
app.get("/x", (_req, res) => {
  res.json(body);
});
app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => process.stdout.write("listening\n"));
