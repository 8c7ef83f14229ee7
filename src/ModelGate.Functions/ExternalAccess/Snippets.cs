using ModelGate.Deployments;

namespace ModelGate.ExternalAccess;

/// <summary>
/// Ready-to-run examples for a deployment card. They read the key from MODELGATE_API_KEY, so they run as
/// printed once the key is exported; chat deployments speak the OpenAI API under {uri}/v1.
/// </summary>
public static class Snippets
{
    public const string KeyVariable = "MODELGATE_API_KEY";

    public static IReadOnlyDictionary<string, string> For(Deployment deployment, string uri) => deployment.Kind switch
    {
        DeploymentKind.Chat => Chat(deployment.Name, uri),
        _ => Predict(uri),
    };

    private static Dictionary<string, string> Chat(string name, string uri) => new()
    {
        ["curl"] = $$"""
            curl -sS {{uri}}/v1/chat/completions \
              -H "Authorization: ApiKey ${{KeyVariable}}" \
              -H "Content-Type: application/json" \
              -d '{"model": "{{name}}", "messages": [{"role": "user", "content": "Hello!"}]}'
            """,
        ["openai_python"] = $$"""
            import os
            from openai import OpenAI

            client = OpenAI(base_url="{{uri}}/v1", api_key=os.environ["{{KeyVariable}}"])
            reply = client.chat.completions.create(
                model="{{name}}",
                messages=[{"role": "user", "content": "Hello!"}],
            )
            print(reply.choices[0].message.content)
            """,
        ["langchain_python"] = $$"""
            import os
            from langchain_openai import ChatOpenAI

            llm = ChatOpenAI(base_url="{{uri}}/v1", api_key=os.environ["{{KeyVariable}}"], model="{{name}}")
            print(llm.invoke("Hello!").content)
            """,
        ["openai_js"] = $$"""
            import OpenAI from "openai";

            const client = new OpenAI({ baseURL: "{{uri}}/v1", apiKey: process.env.{{KeyVariable}} });
            const reply = await client.chat.completions.create({
              model: "{{name}}",
              messages: [{ role: "user", content: "Hello!" }],
            });
            console.log(reply.choices[0].message.content);
            """,
    };

    private static Dictionary<string, string> Predict(string uri) => new()
    {
        ["curl"] = $$"""
            curl -sS {{uri}}/predict \
              -H "Authorization: ApiKey ${{KeyVariable}}" \
              -H "Content-Type: application/json" \
              -d '{"inputs": [[1.0, 2.0, 3.0]]}'
            """,
        ["python_requests"] = $$"""
            import os
            import requests

            response = requests.post(
                "{{uri}}/predict",
                headers={"Authorization": "ApiKey " + os.environ["{{KeyVariable}}"]},
                json={"inputs": [[1.0, 2.0, 3.0]]},
            )
            print(response.json())
            """,
        ["js_fetch"] = $$"""
            const response = await fetch("{{uri}}/predict", {
              method: "POST",
              headers: { Authorization: `ApiKey ${process.env.{{KeyVariable}}}`, "Content-Type": "application/json" },
              body: JSON.stringify({ inputs: [[1.0, 2.0, 3.0]] }),
            });
            console.log(await response.json());
            """,
    };
}
