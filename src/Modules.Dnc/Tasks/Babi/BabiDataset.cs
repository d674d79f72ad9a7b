namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// The bAbI stories of a directory: every task whose <c>qaN_…_train.txt</c> is there, with its <c>…_valid.txt</c> and
/// <c>…_test.txt</c> when present, for joint training on all of them; the vocabulary comes from the training files.
/// The data set is not shipped or downloaded: point it at the <c>en</c> or <c>en-10k</c> folder of the bAbI release,
/// or at files of <see cref="BabiStyleGenerator"/>.
/// </summary>
public sealed class BabiDataset
{
    private BabiDataset(string directory, IReadOnlyList<int> tasks, IReadOnlyList<BabiStory> train, IReadOnlyList<BabiStory> valid, IReadOnlyList<BabiStory> test)
    {
        Directory = directory;
        Tasks = tasks;
        Train = train;
        Validation = valid;
        Test = test;
        Vocabulary = new BabiVocabulary(train);
        foreach (var story in valid.Concat(test))
            foreach (var line in story.Lines)
                foreach (var word in line.Answers is null ? line.Words : line.Words.Concat(line.Answers))
                    if (Vocabulary.IndexOf(word) < 0)
                        throw BabiVocabulary.UnknownWord(story, line, word);
    }

    /// <summary>The directory read.</summary>
    public string Directory { get; }

    /// <summary>The task numbers found, ascending.</summary>
    public IReadOnlyList<int> Tasks { get; }

    /// <summary>All tasks' training stories, task by task in file order.</summary>
    public IReadOnlyList<BabiStory> Train { get; }

    /// <summary>All tasks' validation stories (empty when there are no <c>_valid.txt</c> files).</summary>
    public IReadOnlyList<BabiStory> Validation { get; }

    /// <summary>All tasks' test stories (empty when there are no <c>_test.txt</c> files).</summary>
    public IReadOnlyList<BabiStory> Test { get; }

    /// <summary>The vocabulary of the training stories.</summary>
    public BabiVocabulary Vocabulary { get; }

    /// <summary>Reads every task in <paramref name="directory"/> (not its subdirectories).</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">It holds no <c>qaN_…_train.txt</c> file.</exception>
    /// <exception cref="FormatException">A file is malformed, or a validation or test word is not in the training vocabulary; the message names the file and line.</exception>
    public static BabiDataset Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"bAbI data directory '{directory}' does not exist");
        var trainFiles = System.IO.Directory.GetFiles(directory, "qa*_train.txt");
        if (trainFiles.Length == 0) throw new FileNotFoundException($"bAbI data directory '{directory}' holds no qaN_*_train.txt files");
        var byTask = trainFiles.Select(f => (Task: BabiReader.TaskNumber(Path.GetFileName(f)), File: f)).OrderBy(x => x.Task).ToArray();
        var duplicate = byTask.GroupBy(x => x.Task).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FormatException($"bAbI data directory '{directory}' has {duplicate.Count()} training files for task {duplicate.Key}: {string.Join(", ", duplicate.Select(x => Path.GetFileName(x.File)))}");
        var train = new List<BabiStory>();
        var valid = new List<BabiStory>();
        var test = new List<BabiStory>();
        foreach (var (_, file) in byTask)
        {
            train.AddRange(BabiReader.ReadFile(file));
            string stem = file[..^"_train.txt".Length];
            if (File.Exists(stem + "_valid.txt")) valid.AddRange(BabiReader.ReadFile(stem + "_valid.txt"));
            if (File.Exists(stem + "_test.txt")) test.AddRange(BabiReader.ReadFile(stem + "_test.txt"));
        }
        return new BabiDataset(directory, byTask.Select(x => x.Task).ToArray(), train, valid, test);
    }
}
