using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;
using Modules.Training;

namespace Modules.Dnc.Tests.Tasks.Graph;

public sealed class GraphTaskTests
{
    /// <summary>(source, edge) → destination, from the description triples alone.</summary>
    private static Dictionary<(int, int), int> Edges(DecodedEpisode e) => e.Description.ToDictionary(t => (t.Source, t.Edge), t => t.Destination);

    [Fact]
    public void Traversal_answers_are_the_walk_the_query_describes()
    {
        var task = new TraversalTask(batchSize: 8);
        foreach (int lesson in new[] { 0, 3, 7 })
        {
            task.SetLesson(lesson);
            for (ulong seed = 0; seed < 4; seed++)
            {
                var batch = task.SampleEvaluation(new Generator(seed));
                Assert.InRange(batch.Observations.Dim(0), 1, task.MaxEpisodeLength);
                for (int b = 0; b < 8; b++)
                {
                    var e = DecodedEpisode.Read(batch, b);
                    var edges = Edges(e);      // the description lists every edge once
                    Assert.Equal(e.Description.Count, edges.Count);
                    Assert.Equal(0, e.Planning);
                    Assert.Equal(e.Query.Count, e.Answer.Count);
                    Assert.InRange(e.Answer.Count, task.Lessons[lesson].MinLength, task.Lessons[lesson].MaxLength);
                    int node = e.Query[0].Source;
                    for (int i = 0; i < e.Query.Count; i++)
                    {
                        Assert.Equal(i == 0 ? node : TripleEncoding.Blank, e.Query[i].Source);
                        Assert.Equal(TripleEncoding.Blank, e.Query[i].Destination);
                        int next = edges[(node, e.Query[i].Edge)];
                        Assert.Equal(new GraphTriple(node, e.Query[i].Edge, next), e.Answer[i]);
                        node = next;
                    }
                }
            }
        }
    }

    [Fact]
    public void Shortest_path_answers_match_breadth_first_search_over_the_description()
    {
        var task = new ShortestPathTask(batchSize: 6, planningSteps: 4);
        foreach (int lesson in new[] { 0, 2, 4 })
        {
            task.SetLesson(lesson);
            for (ulong seed = 0; seed < 8; seed++)
            {
                var batch = task.SampleEvaluation(new Generator(seed));
                for (int b = 0; b < 6; b++)
                {
                    var e = DecodedEpisode.Read(batch, b);
                    Assert.Equal(4, e.Planning);
                    var q = Assert.Single(e.Query);
                    Assert.Equal(TripleEncoding.Blank, q.Edge);
                    // BFS from the source over the triples, counting shortest paths.
                    var distance = new Dictionary<int, int> { [q.Source] = 0 };
                    var count = new Dictionary<int, int> { [q.Source] = 1 };
                    var frontier = new List<int> { q.Source };
                    while (frontier.Count > 0)
                    {
                        var next = new List<int>();
                        foreach (int n in frontier)
                            foreach (var t in e.Description.Where(t => t.Source == n))
                            {
                                if (!distance.TryGetValue(t.Destination, out int d)) { distance[t.Destination] = distance[n] + 1; count[t.Destination] = count[n]; next.Add(t.Destination); }
                                else if (d == distance[n] + 1) count[t.Destination] += count[n];
                            }
                        frontier = next;
                    }
                    Assert.Equal(distance[q.Destination], e.Answer.Count);
                    Assert.Equal(1, count[q.Destination]);
                    Assert.InRange(e.Answer.Count, task.Lessons[lesson].MinLength, task.Lessons[lesson].MaxLength);
                    Assert.Equal(q.Source, e.Answer[0].Source);
                    Assert.Equal(q.Destination, e.Answer[^1].Destination);
                    for (int i = 0; i < e.Answer.Count; i++)
                    {
                        Assert.Contains(e.Answer[i], e.Description);
                        if (i > 0) Assert.Equal(e.Answer[i - 1].Destination, e.Answer[i].Source);
                    }
                }
            }
        }
    }

    [Fact]
    public void Relations_resolve_in_a_hand_built_family()
    {
        // Grandparents 0 (grandmother) and 1; their children 2 (daughter, married to 3) and 4 (son); 2 and 3 have child 5.
        // 4 has sons 6 and 7 with wife 8.
        var edges = new List<GraphEdge>();
        void Couple(int wife, int husband) { edges.Add(new(wife, 4, husband)); edges.Add(new(husband, 5, wife)); }
        void Child(int mother, int father, int child, bool daughter)
        {
            edges.Add(new(child, 0, mother)); edges.Add(new(child, 1, father));
            edges.Add(new(mother, daughter ? 3 : 2, child)); edges.Add(new(father, daughter ? 3 : 2, child));
        }
        Couple(0, 1); Couple(2, 3); Couple(8, 4);
        Child(0, 1, 2, true); Child(0, 1, 4, false); Child(2, 3, 5, false); Child(8, 4, 6, false); Child(8, 4, 7, false);
        var g = new LabeledGraph(Enumerable.Range(100, 9).ToArray(), edges);
        var r = RelationTable.Family.Relations.ToDictionary(x => x.Name, x => x.Path);
        Assert.Equal(new[] { 0 }, g.Resolve(5, r["maternal grandmother"]));
        Assert.Equal(new[] { 1 }, g.Resolve(5, r["maternal grandfather"]));
        Assert.Equal(new[] { 4 }, g.Resolve(5, r["maternal uncle"]));             // the mother herself is not a son
        Assert.Equal(new[] { 6, 7 }, g.Resolve(5, r["maternal cousin (uncle's son)"]));
        Assert.Equal(new[] { 1 }, g.Resolve(8, r["husband's mother"].Take(1).Concat([1]).ToArray()));
        Assert.Empty(g.Resolve(5, r["paternal grandmother"]));                    // 3 has no parents here
        Assert.Equal(new[] { 0 }, g.Resolve(3, r["wife's father"].Take(1).Concat([0]).ToArray()));
    }

    [Fact]
    public void Inference_answers_are_the_node_the_relation_reaches()
    {
        var table = RelationTable.Family;
        foreach (var task in new[] { new InferenceTask(batchSize: 6), new InferenceTask(batchSize: 6, source: new FamilyTrees()) })
            for (int lesson = 0; lesson < task.LessonCount; lesson++)
            {
                task.SetLesson(lesson);
                var batch = task.SampleEvaluation(new Generator((ulong)lesson));
                for (int b = 0; b < 6; b++)
                {
                    var e = DecodedEpisode.Read(batch, b);
                    var q = Assert.Single(e.Query);
                    var a = Assert.Single(e.Answer);
                    Assert.Equal(10, e.Planning);
                    var relation = table.Relations.Single(x => x.Label == q.Edge);
                    Assert.InRange(relation.Path.Count, task.Lessons[lesson].MinLength, task.Lessons[lesson].MaxLength);
                    var reached = new HashSet<int> { q.Source };
                    foreach (int label in relation.Path)
                        reached = e.Description.Where(t => reached.Contains(t.Source) && t.Edge == label).Select(t => t.Destination).ToHashSet();
                    Assert.Equal(new GraphTriple(q.Source, q.Edge, Assert.Single(reached)), a);
                }
            }
    }

    [Fact]
    public void Fixed_graphs_serve_every_lesson_length()
    {
        var traversal = new TraversalTask(batchSize: 4, source: TransitMap.Default);
        var shortest = new ShortestPathTask(batchSize: 4, source: TransitMap.Default, lessons: [new(2, 2, 1, 1, 1, 4)]);
        traversal.SetLesson(7);
        var e = DecodedEpisode.Read(traversal.SampleEvaluation(new Generator(2)), 0);
        Assert.Equal(40, e.Description.Count);
        var s = DecodedEpisode.Read(shortest.SampleEvaluation(new Generator(2)), 0);
        Assert.Equal(40, s.Description.Count);
        Assert.Equal("lesson 0: transit map (18 stations, 4 routes), path 1–4", shortest.Describe(0));
    }

    [Fact]
    public void Replay_draws_about_a_tenth_of_the_entries_from_earlier_lessons()
    {
        // Property: at lesson 0 nothing is replayed; at lesson 3 each entry is replayed with probability 0.1 from a
        // uniformly chosen earlier lesson. 2000 entries: the share lies within ±3 standard deviations (0.067).
        var task = new TraversalTask(batchSize: 100, lessons: [new(3, 4, 1, 2, 1, 1), new(3, 4, 1, 2, 1, 1), new(3, 4, 1, 2, 1, 1), new(3, 4, 1, 2, 1, 1)]);
        var rng = new Generator(4);
        Assert.All(task.SampleQuestions(rng), q => Assert.Equal(0, q.Lesson));
        task.SetLesson(3);
        var lessons = Enumerable.Range(0, 20).SelectMany(_ => task.SampleQuestions(rng)).Select(q => q.Lesson).ToArray();
        int replayed = lessons.Count(l => l != 3);
        Assert.InRange(replayed, 2000 * 0.1 - 3 * 13.4, 2000 * 0.1 + 3 * 13.4);
        Assert.All(lessons, l => Assert.InRange(l, 0, 3));
        Assert.All(new[] { 0, 1, 2 }, l => Assert.InRange(lessons.Count(x => x == l), 30, 110));
        // Evaluation never replays.
        Assert.All(task.SampleEvaluationQuestions(rng), q => Assert.Equal(3, q.Lesson));
    }

    [Fact]
    public void The_curriculum_promotes_on_a_passing_evaluation_and_describes_its_lessons()
    {
        ICurriculum task = new TraversalTask(batchSize: 10, passThreshold: 0.9f);
        Assert.Equal(8, task.LessonCount);
        Assert.Equal("lesson 0: 3–5 nodes, degree 1–2, path 1", task.Describe(0));
        Assert.Equal("lesson 7: 10–40 nodes, degree 2–6, path 1–20", task.Describe(7));
        var rng = new Generator(1);

        // A trainer's step: evaluate, promote when the share of fully correct answers reaches the threshold.
        bool Step(Func<DatasetTensors, Tensor> answer)
        {
            var eval = task.SampleEvaluation(rng);
            if (task.Accuracy(answer(eval), eval) < task.PassThreshold) return false;
            task.SetLesson(task.Lesson + 1);
            return true;
        }

        Assert.True(Step(Perfect));
        Assert.Equal(1, task.Lesson);
        Assert.False(Step(b => WrongDigit(b, entries: 2)));      // 8 of 10 right: 0.8 < 0.9
        Assert.Equal(1, task.Lesson);
        Assert.True(Step(b => WrongDigit(b, entries: 1)));       // 9 of 10: passes
        Assert.Equal(2, task.Lesson);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => task.SetLesson(8));
        Assert.StartsWith("TraversalTask: lesson must be in [0, 8), got 8", e.Message);
        var bad = Assert.Throws<ArgumentException>(() => new TraversalTask(passThreshold: 0f));
        Assert.Equal("TraversalTask: passThreshold must be in (0, 1], got 0", bad.Message);
    }

    [Fact]
    public void Accuracy_needs_every_digit_of_every_answer_step()
    {
        var task = new TraversalTask(batchSize: 4);
        task.SetLesson(2);
        var batch = task.SampleEvaluation(new Generator(6));
        Assert.Equal(1f, task.Accuracy(Perfect(batch), batch));
        Assert.Equal(0.75f, task.Accuracy(WrongDigit(batch, entries: 1), batch));
        // A wrong digit on a step outside the answer does not count.
        var logits = Perfect(batch);
        int t = Enumerable.Range(0, batch.Mask.Dim(0)).First(s => batch.Mask.At(s, 0) == 0f);
        logits.Data[(t * 4 + 0) * 90 + 5] = 100f;
        Assert.Equal(1f, task.Accuracy(logits, batch));
        Assert.Equal(1f, task.Metric(logits, batch));
    }

    [Fact]
    public void The_cost_is_the_digit_cross_entropy_on_answer_steps()
    {
        // Uniform logits: each answer step costs 9 · ln 10; the cost sums steps and averages over the batch.
        var task = new ShortestPathTask(batchSize: 3);
        task.SetLesson(1);
        var batch = task.SampleEvaluation(new Generator(8));
        var answerSteps = batch.Mask.ToArray().Sum();
        var cost = task.Cost(Tensor.Zeros(batch.Targets.ShapeArray()), batch).Item();
        Assert.Equal(answerSteps * 9 * Math.Log(10) / 3, cost, 4);
        Assert.True(task.Cost(Perfect(batch) * 3f, batch).Item() < 1e-6f);   // logit 30 on every target digit
    }

    [Fact]
    public void Per_length_accuracy_groups_answers_by_question_length()
    {
        var task = new TraversalTask(batchSize: 12, source: TransitMap.Default, lessons: [new(2, 2, 1, 1, 1, 3)]);
        var questions = task.SampleEvaluationQuestions(new Generator(3));
        var batch = GraphEpisodes.Encode(questions);
        var logits = WrongDigit(batch, entries: 1);
        var byLength = GraphEpisodes.AccuracyByLength(questions, logits, batch);
        Assert.Equal(12, byLength.Values.Sum(v => v.Total));
        Assert.Equal(11, byLength.Values.Sum(v => v.Correct));
        Assert.Equal(questions[0].Length, byLength.Single(kv => kv.Value.Correct < kv.Value.Total).Key);
        foreach (var (length, counts) in byLength) Assert.Equal(questions.Count(q => q.Length == length), counts.Total);
    }

    [Fact]
    public void Max_episode_length_bounds_every_episode_and_sizes_are_the_papers()
    {
        GraphTask[] tasks = [new TraversalTask(batchSize: 4), new ShortestPathTask(batchSize: 4), new InferenceTask(batchSize: 4)];
        foreach (var task in tasks)
        {
            Assert.Equal(92, task.ObservationSize);
            Assert.Equal(90, task.TargetSize);
            for (int lesson = 0; lesson < task.LessonCount; lesson++)
            {
                task.SetLesson(lesson);
                Assert.InRange(task.Sample(new Generator((ulong)lesson)).Observations.Dim(0), 1, task.MaxEpisodeLength);
            }
        }
        Assert.Equal(40 * 6 + 2 * 20, tasks[0].MaxEpisodeLength);
        Assert.Equal(new GraphLesson(10, 40, 2, 6, 1, 20), TraversalTask.DefaultLessons[^1]);
    }

    /// <summary>Logits that put 10 on each target digit.</summary>
    private static Tensor Perfect(DatasetTensors batch) => batch.Targets * 10f;

    /// <summary>Perfect logits except one digit of the first answer step of the first <paramref name="entries"/> entries.</summary>
    private static Tensor WrongDigit(DatasetTensors batch, int entries)
    {
        var logits = Perfect(batch).Clone();
        int width = batch.Mask.Dim(1);
        for (int b = 0; b < entries; b++)
        {
            int t = Enumerable.Range(0, batch.Mask.Dim(0)).First(s => batch.Mask.At(s, b) != 0f);
            int group = (t * width + b) * 90 + 40;          // the edge label's tens digit
            int hot = Enumerable.Range(0, 10).Single(c => batch.Targets.Values[group + c] == 1f);
            logits.Data[group + (hot + 1) % 10] = 100f;
        }
        return logits;
    }
}
