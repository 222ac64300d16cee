using System.Text.Json.Nodes;
using CloudBox.Orchestration.Engine;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Tests;

/// <summary>The template language: each function, version rules, parameters and errors that name the path and line.</summary>
public class FunctionTests
{
    private static JsonNode? Eval(string version, string yamlSnippet, string parameters = "")
    {
        var template = $"heat_template_version: {version}\nparameters:\n  p:\n    type: string\n    default: hello\n  n:\n    type: comma_delimited_list\n    default: a,b,c\n{parameters}resources: {{}}\noutputs:\n  o:\n    value: {yamlSnippet}\n";
        var definition = StackDefinition.Build(JsonValue.Create(template), null, new JsonObject { ["f.txt"] = "file body" }, null, "s", "id", "proj");
        var scope = new StackScope(definition);
        var functions = new TemplateFunctions(definition.Template.Version, scope, definition.Template.Document);
        return functions.Resolve(definition.Template.Outputs["o"]!["value"], "outputs.o.value");
    }

    [Test]
    public void GetParamIndexesLists() => Assert.That(Eval("2013-05-23", "{get_param: [n, 1]}")!.ToString(), Is.EqualTo("b"));

    [Test]
    public void StrReplaceLongestKeyFirst() =>
        Assert.That(Eval("2013-05-23", "{str_replace: {template: 'ab abc', params: {ab: X, abc: Y}}}")!.ToString(), Is.EqualTo("X Y"));

    [Test]
    public void StrReplaceStrictRefusesAMissingKey() =>
        Assert.That(() => Eval("2017-02-24", "{str_replace_strict: {template: 'a', params: {zz: X}}}"), Throws.TypeOf<TemplateException>().With.Message.Contains("outputs.o.value"));

    [Test]
    public void ListJoinAndSplit()
    {
        Assert.That(Eval("2014-10-16", "{list_join: [',', [a, b], [c]]}")!.ToString(), Is.EqualTo("a,b,c"));
        Assert.That(Eval("2015-10-15", "{str_split: [',', 'x,y,z', 2]}")!.ToString(), Is.EqualTo("z"));
    }

    [Test]
    public void RepeatMakesPermutations()
    {
        var result = Eval("2015-04-30", "{repeat: {for_each: {'%a%': [1, 2], '%b%': [x, y]}, template: '%a%-%b%'}}") as JsonArray;
        Assert.That(result!.Select(r => r!.ToString()), Is.EqualTo(new[] { "1-x", "1-y", "2-x", "2-y" }));
    }

    [Test]
    public void MapsMergeAndReplace()
    {
        Assert.That(Eval("2016-04-08", "{map_merge: [{a: 1}, {a: 2, b: 3}]}")!.ToJsonString(), Is.EqualTo("{\"a\":2,\"b\":3}"));
        Assert.That(Eval("2016-10-14", "{map_replace: [{a: k}, {keys: {a: b}, values: {k: v}}]}")!.ToJsonString(), Is.EqualTo("{\"b\":\"v\"}"));
    }

    [Test]
    public void DigestIsHex() =>
        Assert.That(Eval("2015-04-30", "{digest: [sha256, abc]}")!.ToString(), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));

    [Test]
    public void ConditionsAndIf()
    {
        Assert.That(Eval("2016-10-14", "{if: [{equals: [{get_param: p}, hello]}, yes_branch, no_branch]}")!.ToString(), Is.EqualTo("yes_branch"));
        Assert.That(Eval("2017-09-01", "{contains: [b, {get_param: n}]}")!.GetValue<bool>(), Is.True);
        Assert.That(Eval("2016-10-14", "{or: [false, {not: true}]}")!.GetValue<bool>(), Is.False);
    }

    [Test]
    public void ListsConcatFilterAndUrl()
    {
        Assert.That(Eval("2018-03-02", "{list_concat_unique: [[a, b], [b, c]]}")!.ToJsonString(), Is.EqualTo("[\"a\",\"b\",\"c\"]"));
        Assert.That(Eval("2017-02-24", "{filter: [[b], [a, b, c]]}")!.ToJsonString(), Is.EqualTo("[\"a\",\"c\"]"));
        Assert.That(Eval("2017-09-01", "{make_url: {scheme: http, host: h, port: 80, path: /p, query: {a: b}}}")!.ToString(), Is.EqualTo("http://h:80/p?a=b"));
    }

    [Test]
    public void GetFileReadsTheFilesMap() => Assert.That(Eval("2013-05-23", "{get_file: f.txt}")!.ToString(), Is.EqualTo("file body"));

    [Test]
    public void AFunctionOfALaterVersionIsRefusedWithItsPath()
    {
        var error = Assert.Throws<TemplateException>(() => Eval("2013-05-23", "{list_join: [',', [a]]}"));
        Assert.That(error!.Message, Does.Contain("outputs.o.value").And.Contain("list_join").And.Contain("line"));
    }

    [Test]
    public void DateAliasesAreVersions() => Assert.That(HotVersion.Find("wallaby")!.Date, Is.EqualTo("2021-04-16"));

    [Test]
    public void ConditionsSectionNeedsNewton() =>
        Assert.That(() => StackDefinition.Build(JsonValue.Create("heat_template_version: 2015-10-15\nconditions: {}\n"), null, null, null, "s", "i", "p"),
            Throws.TypeOf<TemplateException>().With.Message.Contains("conditions"));

    [Test]
    public void ParameterConstraintsNameTheParameter()
    {
        var template = "heat_template_version: 2013-05-23\nparameters:\n  size:\n    type: number\n    constraints:\n      - range: {min: 1, max: 5}\n";
        var error = Assert.Throws<TemplateException>(() => StackDefinition.Build(JsonValue.Create(template), null, null, new JsonObject { ["size"] = "9" }, "s", "i", "p"));
        Assert.That(error!.Message, Does.Contain("parameters.size").And.Contain("out of range"));
        Assert.That(() => StackDefinition.Build(JsonValue.Create("heat_template_version: 2013-05-23\nparameters:\n  x: {type: string}\n"), null, null, null, "s", "i", "p"),
            Throws.TypeOf<TemplateException>().With.Message.Contains("The Parameter (x) was not provided"));
    }

    [Test]
    public void DependencyCyclesAreRefused() =>
        Assert.That(() => StackEngine.CheckAcyclic([("a", ["b"]), ("b", ["a"])]), Throws.TypeOf<TemplateException>().With.Message.Contains("Circular"));
}
