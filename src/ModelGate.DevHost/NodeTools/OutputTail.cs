using System.Text;

namespace ModelGate.DevHost.NodeTools;

// Keeps the last lines a child process wrote, to put in error messages. Reading continuously also keeps the
// child from blocking on a full pipe.
internal sealed class OutputTail(int maxLines = 40)
{
    private readonly Queue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > maxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            var text = new StringBuilder();
            foreach (string line in _lines)
            {
                text.AppendLine(line);
            }

            return text.ToString().TrimEnd();
        }
    }
}
