using DncTrain;

// Ctrl+C asks the trainer to stop after the current step and save a checkpoint; a second Ctrl+C kills.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};
return Cli.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected, cancel.Token);
