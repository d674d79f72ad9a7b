using System.Globalization;
using System.Text;
using Modules.Tensors;

namespace Modules.Dnc.Tasks.Babi;

/// <summary>
/// A small generator of bAbI-style stories of our own (the bAbI data set cannot be downloaded here), writing the
/// standard format so that <see cref="BabiDataset"/> reads it like the real thing. Three tasks, numbered as their bAbI
/// namesakes: 1 single supporting fact (<c>Where is Mary?</c>), 2 two supporting facts (<c>Where is the apple?</c>,
/// answered through whoever carried it) and 6 yes/no questions (<c>Is Mary in the kitchen?</c>).
/// </summary>
/// <remarks>
/// Each story has <see cref="QuestionsPerStory"/> questions, each after two to four new statements (two for tasks 1 and 6),
/// like bAbI's. Four people, six places and three objects; an object someone drops stays where they were. Questions
/// are asked only about people whose place, and objects whose place, the story has told. Everything is drawn from the
/// given generator, so a seed gives the same files.
/// </remarks>
public static class BabiStyleGenerator
{
    /// <summary>Questions per story.</summary>
    public const int QuestionsPerStory = 5;

    private static readonly string[] People = ["Mary", "John", "Daniel", "Sandra"];
    private static readonly string[] Places = ["bathroom", "hallway", "kitchen", "garden", "office", "bedroom"];
    private static readonly string[] Things = ["football", "apple", "milk"];
    private static readonly string[] Moves = ["moved to", "went to", "journeyed to", "travelled to", "went back to"];
    private static readonly string[] Takes = ["picked up", "got", "grabbed", "took"];
    private static readonly string[] Drops = ["dropped", "discarded", "put down", "left"];

    /// <summary>The tasks generated, with their bAbI file-name stems.</summary>
    public static IReadOnlyList<(int Task, string Name)> Tasks { get; } =
        [(1, "single-supporting-fact"), (2, "two-supporting-facts"), (6, "yes-no-questions")];

    /// <summary>
    /// Writes <c>qaN_NAME_train.txt</c>, <c>_valid.txt</c> and <c>_test.txt</c> for each of <see cref="Tasks"/> into
    /// <paramref name="directory"/> (created when missing).
    /// </summary>
    /// <param name="directory">Where to write.</param>
    /// <param name="rng">The generator to draw from; it advances.</param>
    /// <param name="trainStories">Stories per training file.</param>
    /// <param name="validStories">Stories per validation file.</param>
    /// <param name="testStories">Stories per test file.</param>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> WriteTasks(string directory, Generator rng, int trainStories, int validStories, int testStories)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        foreach (var (task, name) in Tasks)
            foreach (var (split, count) in new[] { ("train", trainStories), ("valid", validStories), ("test", testStories) })
            {
                var path = Path.Combine(directory, $"qa{task}_{name}_{split}.txt");
                File.WriteAllText(path, Stories(task, rng, count));
                files.Add(path);
            }
        return files;
    }

    /// <summary>The text of <paramref name="count"/> stories of <paramref name="task"/> (1, 2 or 6) in the bAbI format.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The task is not one of <see cref="Tasks"/>.</exception>
    public static string Stories(int task, Generator rng, int count)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!Tasks.Any(t => t.Task == task))
            throw new ArgumentOutOfRangeException(nameof(task), $"BabiStyleGenerator: task must be one of {string.Join(", ", Tasks.Select(t => t.Task))}, got {task}");
        var sb = new StringBuilder();
        for (int s = 0; s < count; s++) Story(task, rng, sb);
        return sb.ToString();
    }

    private static void Story(int task, Generator rng, StringBuilder sb)
    {
        var world = new World();
        int id = 0;
        for (int q = 0; q < QuestionsPerStory; q++)
        {
            int statements = task == 2 ? rng.NextInt(2, 5) : 2;
            for (int i = 0; i < statements; i++) sb.Append(++id).Append(' ').Append(world.Act(rng, id, objects: task == 2)).Append('\n');
            id++;
            sb.Append(id).Append(' ').Append(task switch
            {
                1 => world.WhereIsPerson(rng),
                2 => world.WhereIsThing(rng),
                _ => world.IsPersonIn(rng),
            }).Append('\n');
        }
    }

    /// <summary>Who is where, who carries what, and the lines that told it.</summary>
    private sealed class World
    {
        private readonly Dictionary<string, (string Place, int Line)> person = [];
        private readonly Dictionary<string, (string Holder, int Line)> carried = [];
        private readonly Dictionary<string, (string Place, int DropLine, int MoveLine)> dropped = [];

        /// <summary>One statement: a move, or (with objects) a pick-up or a drop when one is possible.</summary>
        public string Act(Generator rng, int line, bool objects)
        {
            var placed = People.Where(person.ContainsKey).ToArray();
            var free = Things.Where(t => !carried.ContainsKey(t)).ToArray();
            int kind = objects ? rng.NextInt(0, 3) : 0;
            if (kind == 1 && placed.Length > 0 && free.Length > 0)
            {
                string who = placed[rng.NextInt(0, placed.Length)], what = free[rng.NextInt(0, free.Length)];
                carried[what] = (who, line);
                dropped.Remove(what);
                return $"{who} {Pick(rng, Takes)} the {what}.";
            }
            if (kind == 2 && carried.Count > 0)
            {
                var what = carried.Keys.Order(StringComparer.Ordinal).ElementAt(rng.NextInt(0, carried.Count));
                var who = carried[what].Holder;
                dropped[what] = (person[who].Place, line, person[who].Line);
                carried.Remove(what);
                return $"{who} {Pick(rng, Drops)} the {what}.";
            }
            string mover = Pick(rng, People);
            var places = Places.Where(p => !person.TryGetValue(mover, out var at) || at.Place != p).ToArray();
            string place = Pick(rng, places);
            person[mover] = (place, line);
            return $"{mover} {Pick(rng, Moves)} the {place}.";
        }

        /// <summary>Task 1: where is a person the story has placed; the supporting fact is their last move.</summary>
        public string WhereIsPerson(Generator rng)
        {
            var who = Pick(rng, People.Where(person.ContainsKey).ToArray());
            return Question($"Where is {who}?", person[who].Place, person[who].Line);
        }

        /// <summary>Task 6: is a person in a place (the right one half of the time).</summary>
        public string IsPersonIn(Generator rng)
        {
            var who = Pick(rng, People.Where(person.ContainsKey).ToArray());
            var (at, line) = person[who];
            string asked = rng.NextInt(0, 2) == 0 ? at : Pick(rng, Places.Where(p => p != at).ToArray());
            return Question($"Is {who} in the {asked}?", asked == at ? "yes" : "no", line);
        }

        /// <summary>
        /// Task 2: where is an object whose place is known: a carried one is where its carrier is (supporting facts: the
        /// pick-up and the carrier's last move), a dropped one where it was dropped (the drop and the move before it).
        /// A story that has placed no object yet asks about a person instead.
        /// </summary>
        public string WhereIsThing(Generator rng)
        {
            var known = Things.Where(t => dropped.ContainsKey(t) || (carried.TryGetValue(t, out var c) && person.ContainsKey(c.Holder))).ToArray();
            if (known.Length == 0) return WhereIsPerson(rng);
            var what = Pick(rng, known);
            if (dropped.TryGetValue(what, out var d))
                return Question($"Where is the {what}?", d.Place, Math.Min(d.DropLine, d.MoveLine), Math.Max(d.DropLine, d.MoveLine));
            var (holder, taken) = carried[what];
            var (place, moved) = person[holder];
            return Question($"Where is the {what}?", place, Math.Min(taken, moved), Math.Max(taken, moved));
        }

        private static string Question(string text, string answer, params int[] support) =>
            $"{text} \t{answer}\t{string.Join(' ', support.Select(s => s.ToString(CultureInfo.InvariantCulture)))}";
    }

    private static string Pick(Generator rng, string[] items) => items[rng.NextInt(0, items.Length)];
}
