// Drives `@langchain/openai` (ChatOpenAI) against a running ModelGate: invoke, then stream, printed as one JSON
// line for the test to check. Environment: BASE_URL (ends in /v1), MODEL, MODELGATE_API_KEY, PROMPT (optional).
// Run from anywhere: node resolves the packages from the repository's node_modules above this folder.
import { ChatOpenAI } from "@langchain/openai";

const prompt = process.env.PROMPT || "Hello from LangChain";

// No retries: a refused call must fail the test at once with the gateway's answer, not after backoff.
// streamUsage asks for the usage chunk (stream_options.include_usage), so streamed calls are metered with tokens.
const llm = new ChatOpenAI({
  model: required("MODEL"),
  apiKey: required("MODELGATE_API_KEY"),
  configuration: { baseURL: required("BASE_URL") },
  maxRetries: 0,
  timeout: 20_000,
  streamUsage: true,
});

try {
  const reply = await llm.invoke(prompt);

  let content = "";
  let chunks = 0;
  let usage = null;
  for await (const chunk of await llm.stream(prompt)) {
    content += typeof chunk.content === "string" ? chunk.content : "";
    if (chunk.usage_metadata) usage = chunk.usage_metadata;
    chunks++;
  }

  console.log(JSON.stringify({
    invoke: { content: reply.content, usage: reply.usage_metadata ?? null },
    stream: { content, chunks, usage },
  }));
} catch (error) {
  // An API error's message carries the status and the gateway's problem body: what a failing test needs to see.
  console.error(`${error?.constructor?.name ?? "Error"}: ${error?.message ?? error}`);
  process.exit(1);
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}
