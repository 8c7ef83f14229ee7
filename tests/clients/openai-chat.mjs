// Drives the official `openai` package against a running ModelGate, the way a user's program would: one plain
// chat completion and one streamed with usage, printed as one JSON line for the test to check.
// Environment: BASE_URL (ends in /v1), MODEL, MODELGATE_API_KEY, PROMPT (optional).
// Run from anywhere: node resolves "openai" from the repository's node_modules above this folder.
import OpenAI from "openai";

const baseURL = required("BASE_URL");
const model = required("MODEL");
const prompt = process.env.PROMPT || "Hello from the openai package";

// No retries: a refused call must fail the test at once with the gateway's answer, not after backoff.
const client = new OpenAI({ baseURL, apiKey: required("MODELGATE_API_KEY"), maxRetries: 0, timeout: 20_000 });
const messages = [{ role: "user", content: prompt }];

try {
  const plain = await client.chat.completions.create({ model, messages });

  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
  let content = "";
  let chunks = 0;
  let usage = null;
  let usageChunk = -1;
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) {
      usage = chunk.usage;
      usageChunk = chunks;
    }
    chunks++;
  }

  console.log(JSON.stringify({
    plain: { content: plain.choices[0]?.message?.content ?? null, usage: plain.usage ?? null },
    stream: { content, chunks, usage, usage_in_last_chunk: usageChunk === chunks - 1 },
  }));
} catch (error) {
  fail(error);
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

// An API error's message carries the status and the gateway's problem body: what a failing test needs to see.
function fail(error) {
  console.error(`${error?.constructor?.name ?? "Error"}: ${error?.message ?? error}`);
  process.exit(1);
}
