Console.WriteLine("ModelGate DevHost");
