#!/usr/bin/env bash
# Packaging check: packs src/Modules (which also packs Modules.Tensors) into a temporary feed, then builds
# and runs a tiny consumer project that restores Modules from that feed (plus the machine's configured sources for the rest),
# declares its own [Module] and prints NamedParameters(). Fails unless the package carries the generator
# under analyzers/dotnet/cs and the consumer prints the expected parameter paths and shapes.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
# A version unique to this run, so that a package cached in ~/.nuget/packages by an earlier run is never reused.
version="0.0.0-packcheck.$(date +%s).$$"
packages_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cleanup() {
  rm -rf "$work" "$packages_root/modules/$version" "$packages_root/modules.tensors/$version"
}
trap cleanup EXIT

feed="$work/feed"
echo "== packing Modules $version into $feed"
dotnet pack src/Modules -c Release -o "$feed" -p:Version="$version" --nologo -v quiet

for package in "Modules.$version.nupkg" "Modules.Tensors.$version.nupkg"; do
  [ -f "$feed/$package" ] || { echo "FAIL: $package was not produced"; ls "$feed"; exit 1; }
done
# List the package's entries (a .nupkg is a zip); python3 ships with the machine image, unzip may not.
contents=$(python3 -c 'import sys, zipfile; print("\n".join(" " + n for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$feed/Modules.$version.nupkg")
for entry in analyzers/dotnet/cs/Modules.Generators.dll lib/net10.0/Modules.dll lib/net10.0/Modules.xml; do
  grep -q " $entry\$" <<<"$contents" || { echo "FAIL: Modules package lacks $entry"; echo "$contents"; exit 1; }
done
if grep -q "lib/.*Modules.Generators.dll" <<<"$contents"; then echo "FAIL: generator must not be a lib reference"; exit 1; fi

consumer="$work/consumer"
mkdir -p "$consumer"
cat > "$consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$feed" />
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
    <PackageReference Include="Modules" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$consumer/Program.cs" <<'CS'
using Modules;
using Modules.Tensors;

var model = new Tiny(3);
model.Forward(Tensor.Ones(2, 4));
foreach (var (path, parameter) in model.NamedParameters())
    Console.WriteLine($"{path} [{string.Join(", ", parameter.ShapeArray())}]");

[Module]
public sealed partial class Tiny : Module
{
    [Param] private Tensor? w;
    [Param] private Tensor? b;

    public Tiny(int outputSize) => OutputSize = outputSize;

    public int OutputSize { get; }

    public Tensor Forward(Tensor x)
    {
        var weights = GetW([x.Dim(-1), OutputSize], s => Tensor.GlorotUniform(Rng, s));
        return x.MatMul(weights) + GetB([OutputSize], Tensor.Zeros);
    }
}
CS

echo "== building and running the consumer"
output=$(dotnet run --project "$consumer/Consumer.csproj" -c Release --nologo 2>&1) || { echo "$output"; echo "FAIL: consumer did not build or run"; exit 1; }
expected=$'tiny/w [4, 3]\ntiny/b [3]'
if [ "$output" != "$expected" ]; then
  echo "FAIL: consumer printed:"; echo "$output"; echo "expected:"; echo "$expected"; exit 1
fi
echo "$output"
echo "pack-check: OK (Modules $version with generator, Modules.Tensors alongside; consumer ran)"
