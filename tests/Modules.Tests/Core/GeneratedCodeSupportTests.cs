using System.ComponentModel;
using System.Reflection;

namespace Modules.Tests.Core;

/// <summary>Public helpers that exist only for generated code are hidden from IntelliSense.</summary>
public class GeneratedCodeSupportTests
{
    [Theory]
    [InlineData(typeof(ModuleMemberVisitor))]
    [InlineData(typeof(StateJson))]
    [InlineData(typeof(StateLists))]
    [InlineData(typeof(FlatParts))]
    public void SupportTypesAreHidden(Type type) => Assert.True(IsHidden(type), $"{type.Name} lacks [EditorBrowsable(Never)]");

    [Theory]
    [InlineData("DefaultName")]
    [InlineData("VisitMembers")]
    [InlineData("AssignParameter")]
    [InlineData("GetOrCreateParameter")]
    public void ModuleMembersOverriddenOrCalledByGeneratedCodeAreHidden(string name)
    {
        var member = Assert.Single(typeof(Module).GetMember(name, BindingFlags.Instance | BindingFlags.NonPublic));
        Assert.True(IsHidden(member), $"Module.{name} lacks [EditorBrowsable(Never)]");
    }

    private static bool IsHidden(MemberInfo member) =>
        member.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never;
}
