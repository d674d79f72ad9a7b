using DncTrain;

namespace DncTrain.Tests;

/// <summary>Bad command lines, run in-process through <see cref="Cli.Run"/>: each gives exit code 2 and one <c>error: </c> line.</summary>
public sealed class BadCommandLineTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dnc-train-bad-" + Guid.NewGuid().ToString("N"));

    public BadCommandLineTests()
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "plain.txt"), "not a directory");
        Directory.CreateDirectory(Path.Combine(root, "adir"));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    // Each case: the arguments (ROOT is the test's directory) and a part of the expected message.
    public static TheoryData<string, string> Cases => new()
    {
        // Parsing.
        { "4", "unexpected argument '4'" },
        { "--", "unexpected argument '--'" },
        { "-x", "unexpected argument '-x'" },
        { "--no-such-flag 1", "unknown flag --no-such-flag" },
        { "--num-bits", "--num-bits needs a value" },
        { "--num-bits --batch-size 4", "--num-bits needs a value, got the flag --batch-size" },
        { "--model --task copy", "--model needs a value, got the flag --task" },
        { "--num-bits four", "--num-bits needs an integer, got 'four'" },
        { "--num-bits 4.5", "--num-bits needs an integer, got '4.5'" },
        { "--num-bits 99999999999", "--num-bits needs an integer, got '99999999999'" },
        { "--learning-rate abc", "--learning-rate needs a number, got 'abc'" },
        { "--learning-rate NaN", "--learning-rate needs a number, got 'NaN'" },
        { "--learning-rate Infinity", "--learning-rate needs a number, got 'Infinity'" },
        { "--learning-rate 1e39", "--learning-rate needs a number, got '1e39'" },
        { "--seed -1", "--seed needs a non-negative integer, got '-1'" },
        { "--model gru", "--model must be one of dnc, ntm, sam, sdnc, lstm, got 'gru'" },
        { "--task sort", "--task must be one of repeat-copy, copy, adding, argmax, graph-traversal, shortest-path, inference, babi, got 'sort'" },
        { "--model ntm --controller gru", "--controller must be one of lstm, feedforward, got 'gru'" },
        { "--model sam --index kd", "--index must be one of exact, forest, got 'kd'" },
        { "--resume-newest-valid=yes", "--resume-newest-valid takes no value, got 'yes'" },
        // Ranges.
        { "--hidden-size 0", "--hidden-size must be positive, got 0" },
        { "--memory-size -3", "--memory-size must be positive, got -3" },
        { "--word-size 0", "--word-size must be positive, got 0" },
        { "--num-write-heads 0", "--num-write-heads must be positive, got 0" },
        { "--num-read-heads -1", "--num-read-heads must be positive, got -1" },
        { "--clip-value -1", "--clip-value must be 0 or more, got -1" },
        { "--max-grad-norm 0", "--max-grad-norm must be positive, got 0" },
        { "--learning-rate -0.1", "--learning-rate must be positive" },
        { "--optimizer-epsilon 0", "--optimizer-epsilon must be positive, got 0" },
        { "--num-bits 0", "--num-bits must be positive, got 0" },
        { "--batch-size 0", "--batch-size must be positive, got 0" },
        { "--batch-shards 0", "--batch-shards must be positive, got 0" },
        { "--batch-size 4 --batch-shards 5", "--batch-shards (5) must not exceed --batch-size (4)" },
        { "--min-length 0", "--min-length must be positive, got 0" },
        { "--min-length 3 --max-length 2", "--min-length (3) must not exceed --max-length (2)" },
        { "--min-repeats 3 --max-repeats 2", "--min-repeats (3) must not exceed --max-repeats (2)" },
        { "--task adding --input-size 1", "--input-size must be at least 2" },
        { "--num-training-iterations -5", "--num-training-iterations must be 0 or more, got -5" },
        { "--report-interval 0", "--report-interval must be positive, got 0" },
        { "--checkpoint-interval 0", "--checkpoint-interval must be positive or -1, got 0" },
        { "--checkpoint-interval -2", "--checkpoint-interval must be positive or -1, got -2" },
        { "--max-non-finite-steps 0", "--max-non-finite-steps must be positive, got 0" },
        { "--task adding --max-length 20", "exceeds --clip-value 20" },
        // Flags of another model or task.
        { "--controller lstm", "--controller does not apply to --model dnc (only to ntm)" },
        { "--sparse-reads 2", "--sparse-reads does not apply to --model dnc (only to sam, sdnc)" },
        { "--model sam --link-sparsity 2", "--link-sparsity does not apply to --model sam (only to sdnc)" },
        { "--index forest", "--index does not apply to --model dnc (only to sam, sdnc)" },
        { "--model ntm --index exact", "--index does not apply to --model ntm (only to sam, sdnc)" },
        { "--task adding --num-bits 4", "--num-bits does not apply to --task adding" },
        { "--task copy --min-repeats 1", "--min-repeats does not apply to --task copy" },
        { "--input-size 8", "--input-size does not apply to --task repeat-copy" },
        // Model options in flag names.
        { "--model sam --sparse-reads 100", "--model sam: --sparse-reads: must be in [1, --memory-size = 16], got 100" },
        { "--model sdnc --sparse-reads 17", "--model sdnc: --sparse-reads: must be in [1, --memory-size = 16], got 17" },
        { "--model sam --num-write-heads 2", "--model sam: --num-write-heads: the sparse cores have exactly one write head, got 2" },
        { "--model sam --memory-size 20000000 --batch-size 1 --word-size 1", "--model sam: --memory-size: row indices are kept as float32, so at most 2^24 rows, got 20000000" },
        // Sizes that cannot fit: refused before anything is allocated.
        { "--memory-size 100000000", "the link [B, W, N, N] = [16, 1, 100000000, 100000000] tensor would hold" },
        { "--hidden-size 100000000", "the controller weights" },
        { "--max-length 100000000", "the observations [T, B, input]" },
        { "--max-length 2000000 --max-repeats 2000", "--max-length 2000000 with --max-repeats 2000: episodes of up to" },
        { "--memory-size 8000", "configuration too large: it needs at least" },
        { "--word-size 2000000000", "configuration too large" },
        { "--batch-size 2000000000", "configuration too large" },
        { "--num-read-heads 100000 --word-size 100000", "configuration too large" },
        { "--model ntm --memory-size 1000000000", "the memory [B, N, Wd]" },
        { "--model sdnc --memory-size 16000000 --batch-size 64 --link-sparsity 4096", "configuration too large" },
        // Paths.
        { "--checkpoint-dir ROOT/plain.txt", "--checkpoint-dir ROOT/plain.txt is a file, not a directory" },
        { "--checkpoint-dir ROOT/plain.txt/sub", "--checkpoint-dir ROOT/plain.txt/sub is not writable" },
        { "--viz ROOT/adir", "--viz ROOT/adir is a directory, not a file" },
        { "--viz ROOT/plain.txt/page.html", "--viz ROOT/plain.txt/page.html: ROOT/plain.txt is a file, not a directory" },
        { "--viz /proc/dnc-train-none/page.html", "--viz /proc/dnc-train-none/page.html: /proc/dnc-train-none is not writable" },
        { "--viz=", "--viz needs a file path" },
        { "--resume-from=", "--resume-from needs a checkpoint file path" },
        { "--resume-from ROOT/missing.safetensors", "checkpoint ROOT/missing.safetensors: " },
        { "--resume-from ROOT/plain.txt", "checkpoint ROOT/plain.txt: " },
        { "--resume-from ROOT/adir", "checkpoint ROOT/adir: " },
        { "--resume-from ROOT/x --resume-newest-valid", "--resume-from and --resume-newest-valid exclude each other" },
        { "--checkpoint-dir= --resume-newest-valid", "--resume-newest-valid needs a --checkpoint-dir" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gives_exit_code_2_and_one_error_line(string line, string expected)
    {
        var args = line.Replace("ROOT", root, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // Defaults that keep a wrongly accepted line short and out of the working directory; the case's own flags come after.
        string[] prefix = ["--checkpoint-dir", Path.Combine(root, "ck"), "--num-training-iterations", "1"];
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run([.. prefix, .. args], stdout, stderr, interactive: false, CancellationToken.None);
        string err = stderr.ToString();
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", err);
        Assert.Contains(expected.Replace("ROOT", root, StringComparison.Ordinal), err);
    }

    [Fact]
    public void There_are_at_least_sixty_cases() => Assert.True(Cases.Count >= 60, $"{Cases.Count} cases");
}
