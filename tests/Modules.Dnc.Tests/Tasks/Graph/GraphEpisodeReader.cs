using Modules.Dnc.Tasks.Graph;
using Modules.Tensors;
using DatasetTensors = Modules.Training.DatasetTensors;

namespace Modules.Dnc.Tests.Tasks.Graph;

/// <summary>Reads an encoded graph episode back from the tensors alone, so tests check what the model is fed.</summary>
internal sealed record DecodedEpisode(List<GraphTriple> Description, List<GraphTriple> Query, int Planning, List<GraphTriple> Answer, int Padding)
{
    public static DecodedEpisode Read(DatasetTensors batch, int b)
    {
        int steps = batch.Observations.Dim(0);
        var description = new List<GraphTriple>();
        var query = new List<GraphTriple>();
        var answer = new List<GraphTriple>();
        int planning = 0, padding = 0, phase = 0; // 0 description, 1 query, 2 planning, 3 answer, 4 padding
        for (int t = 0; t < steps; t++)
        {
            var obs = Row(batch.Observations, t, b);
            var targ = Row(batch.Targets, t, b);
            bool queryFlag = obs[TripleEncoding.QueryFlag] == 1f, answerFlag = obs[TripleEncoding.AnswerFlag] == 1f;
            bool empty = obs.All(v => v == 0f);
            float mask = batch.Mask.At(t, b);
            int stepPhase = answerFlag ? 3 : queryFlag ? 1 : !empty ? 0 : phase <= 2 ? 2 : 4;
            Assert.True(stepPhase >= phase, $"step {t}: phase {stepPhase} after phase {phase}");
            phase = stepPhase;
            Assert.Equal(phase == 3 ? 1f : 0f, mask);
            if (phase != 3) Assert.All(targ, v => Assert.Equal(0f, v));
            switch (phase)
            {
                case 0: description.Add(TripleEncoding.Read(obs)); break;
                case 1: query.Add(TripleEncoding.Read(obs)); break;
                case 2: planning++; break;
                case 3:
                    Assert.All(obs.Take(TripleEncoding.TripleSize), v => Assert.Equal(0f, v));
                    answer.Add(TripleEncoding.Read(targ));
                    break;
                default: padding++; break;
            }
        }
        return new DecodedEpisode(description, query, planning, answer, padding);
    }

    private static float[] Row(Tensor t, int step, int b)
    {
        int width = t.Dim(2);
        return t.Values.Slice((step * t.Dim(1) + b) * width, width).ToArray();
    }
}
