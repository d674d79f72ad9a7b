#!/usr/bin/env bash
# Packaging check. Packs Modules.Tensors, Modules and Modules.Dnc into a temporary feed under one version unique to
# this run, checks each package's contents and metadata, then builds and runs a consumer outside the repository that
# restores only from that feed (plus System.Numerics.Tensors, copied into it from the local package cache) into an
# empty package folder. The consumer composes a memory core of its own from Modules.Dnc's MemoryAccess and its own
# [Module] controller, unrolls it with DynamicRnn, trains it a few steps with Adam and checks the loss falls,
# checkpoints it and loads the checkpoint into a fresh core, and snapshot-tests its state tree: the first run accepts
# the snapshot (MODULES_ACCEPT_SNAPSHOTS=1), the second must match it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.0.0-packcheck.$(date +%s).$$"
feed="$work/feed"
# ContinuousIntegrationBuild makes the paths in the PDBs deterministic.
for project in Modules.Tensors Modules Modules.Dnc; do
  echo "== packing $project $version"
  dotnet pack "src/$project" -c Release -o "$feed" -p:Version="$version" -p:ContinuousIntegrationBuild=true --nologo -v quiet
done

entries() { python3 -c 'import sys, zipfile; print("\n".join(" " + n for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
nuspec() { python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read([n for n in z.namelist() if n.endswith(".nuspec")][0]).decode())' "$1"; }
need() { grep -q -- "$2" <<<"$3" || { echo "FAIL: $1 lacks $2"; echo "$3"; exit 1; }; }
for package in Modules.Tensors Modules Modules.Dnc; do
  nupkg="$feed/$package.$version.nupkg"
  [ -f "$nupkg" ] || { echo "FAIL: $package.$version.nupkg was not produced"; ls "$feed"; exit 1; }
  [ -f "$feed/$package.$version.snupkg" ] || { echo "FAIL: no symbol package for $package"; exit 1; }
  contents=$(entries "$nupkg")
  need "$package" " lib/net10.0/$package.dll\$" "$contents"
  need "$package" " lib/net10.0/$package.xml\$" "$contents"
  need "$package" " README.md\$" "$contents"
  spec=$(nuspec "$nupkg")
  need "$package" "<version>$version</version>" "$spec"
  need "$package" '<license type="expression">MIT</license>' "$spec"
  need "$package" "<readme>README.md</readme>" "$spec"
  need "$package" "<authors>Modules contributors</authors>" "$spec"
  if grep -q "Modules.Generators" <<<"$spec"; then echo "FAIL: $package depends on the generator project"; exit 1; fi
done
need Modules " analyzers/dotnet/cs/Modules.Generators.dll\$" "$(entries "$feed/Modules.$version.nupkg")"
if grep -q "lib/.*Modules.Generators.dll" <<<"$(entries "$feed/Modules.$version.nupkg")"; then echo "FAIL: generator must not be a lib reference"; exit 1; fi
need Modules.Dnc "<dependency id=\"Modules\" version=\"$version\"" "$(nuspec "$feed/Modules.Dnc.$version.nupkg")"
need Modules "<dependency id=\"Modules.Tensors\" version=\"$version\"" "$(nuspec "$feed/Modules.$version.nupkg")"

# Third-party dependencies come from the local cache into the feed, so the consumer needs no other source.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cp "$cache/system.numerics.tensors/10.0.0/system.numerics.tensors.10.0.0.nupkg" "$feed/"

consumer="$work/consumer"
mkdir -p "$consumer"
cat > "$consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="packed" value="$feed" />
  </packageSources>
</configuration>
XML
cat > "$consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Modules.Dnc" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$consumer/Program.cs" <<'CS'
using Modules;
using Modules.Checkpoints;
using Modules.Dnc;
using Modules.Snapshots;
using Modules.Tensors;
using Modules.Training;

const int steps = 4, batch = 3, size = 3;
var core = new MemoryCore(size);
var inputs = Tensor.Uniform(new Generator(7), [steps, batch, size], -1f, 1f);
var targets = inputs * 0.5f;

// Train on one fixed batch: the loss must fall.
var optimizer = new Adam(0.02f);
var losses = new List<float>();
for (int step = 0; step < 25; step++)
{
    var loss = Tensor.MeanSquaredError(DynamicRnn.Unroll(core, inputs).Outputs, targets);
    losses.Add(loss.Item());
    optimizer.Minimize(loss, core.NamedParameters());
}
Console.WriteLine($"loss {losses[0]:F4} -> {losses[^1]:F4}");
if (!(losses[^1] < 0.5f * losses[0])) throw new Exception($"the loss did not fall enough: {losses[0]} -> {losses[^1]}");

// Checkpoint, then load into a fresh core before its first call: same outputs.
var file = Path.Combine(args[0], "core.safetensors");
Checkpoint.Save(file, core, optimizer);
var restored = new MemoryCore(size);
Checkpoint.Load(file, restored);
var expected = DynamicRnn.Unroll(core, inputs);
var actual = DynamicRnn.Unroll(restored, inputs);
if (!expected.Outputs.ToArray().SequenceEqual(actual.Outputs.ToArray())) throw new Exception("the restored core computes something else");
Console.WriteLine($"checkpoint: {restored.NamedParameters().Count} parameters restored");

// The state tree after the unroll, against a snapshot beside the program.
Snapshot.Match(actual.FinalState, Path.Combine(args[0], "final_state.verified.json"));
Console.WriteLine("state paths: " + string.Join(" ", CoreState.Paths));

/// <summary>A controller of the consumer's own: h = tanh(x·w + b).</summary>
[Module]
public sealed partial class Controller : Module
{
    [Param] private Tensor? w;
    [Param] private Tensor? b;

    public Controller(int hiddenSize) => HiddenSize = hiddenSize;

    public int HiddenSize { get; }

    public Tensor Forward(Tensor x) =>
        Tensor.Tanh(x.MatMul(GetW([x.Dim(-1), HiddenSize], s => Tensor.GlorotUniform(Rng, s))) + GetB([HiddenSize], Tensor.Zeros));
}

/// <summary>The core's state: the last read words and the memory's state.</summary>
[State]
public readonly partial record struct CoreState(Tensor ReadWords, AccessState Access);

/// <summary>A memory core: the controller drives a MemoryAccess, the output reads the controller and the read words.</summary>
[Module]
public sealed partial class MemoryCore : Module, IRnnCore<CoreState>
{
    private readonly Controller controller = new(12);
    private readonly MemoryAccess access = new(memorySize: 6, wordSize: 4, numReads: 1, numWrites: 1);
    private readonly Linear output;

    public MemoryCore(int outputSize) => output = new Linear(outputSize, "output");

    public (Tensor Output, CoreState State) Step(Tensor input, CoreState state)
    {
        int b = input.Dim(0);
        var hidden = controller.Forward(Tensor.Concat(-1, input, state.ReadWords.Reshape(b, -1)));
        var (read, accessState) = access.Step(hidden, state.Access);
        return (output.Forward(Tensor.Concat(-1, hidden, read.Reshape(b, -1))), new CoreState(read, accessState));
    }

    public CoreState InitialState(int batchSize) =>
        new(Tensor.Zeros(batchSize, access.NumReads, access.WordSize), access.InitialState(batchSize));
}
CS

echo "== building the consumer (restoring only from $feed)"
export NUGET_PACKAGES="$work/packages"
dotnet build "$consumer/Consumer.csproj" -c Release --nologo -v quiet -o "$consumer/out" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; echo "FAIL: the consumer did not build"; exit 1; }
run() { dotnet "$consumer/out/Consumer.dll" "$consumer"; }
echo "== first run: trains, checkpoints and accepts its state snapshot"
first=$(MODULES_ACCEPT_SNAPSHOTS=1 run 2>&1) || { echo "$first"; echo "FAIL: the consumer failed"; exit 1; }
echo "$first"
[ -f "$consumer/final_state.verified.json" ] || { echo "FAIL: the snapshot was not accepted"; exit 1; }
echo "== second run: the state snapshot must match"
second=$(run 2>&1) || { echo "$second"; echo "FAIL: the second run failed"; exit 1; }
[ "$first" = "$second" ] || { echo "$second"; echo "FAIL: the second run printed something else"; exit 1; }
expected_paths="state paths: read_words access/memory access/read_weights access/write_weights access/linkage/link access/linkage/precedence_weights access/usage"
grep -qxF "$expected_paths" <<<"$second" || { echo "FAIL: expected '$expected_paths'"; exit 1; }
echo "pack-check: OK (Modules, Modules.Tensors, Modules.Dnc $version; consumer trained, checkpointed and matched its snapshot)"
