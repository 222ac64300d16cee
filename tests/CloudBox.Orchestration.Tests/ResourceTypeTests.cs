using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary><c>resource_types</c>: the list and its filters, a type's schema, and the template generated for a type.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class ResourceTypeTests(DatabaseEngine engine) : HeatFixture(engine)
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string path)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, Url(path), Token);
        return (status, body);
    }

    private async Task<List<string>> NamesAsync(string query)
    {
        var (status, body) = await GetAsync("/resource_types" + query);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!["resource_types"]!.AsArray().Select(t => t!.ToString()).ToList();
    }

    [Test]
    public async Task TheListFiltersByNameSupportStatusAndVersion()
    {
        var all = await NamesAsync("");
        Assert.That(all, Does.Contain("OS::Nova::Server").And.Contain("OS::Heat::AutoScalingGroup").And.Contain("OS::Neutron::Port"));
        Assert.That(all, Is.Ordered);
        var neutron = await NamesAsync("?name=" + Uri.EscapeDataString("OS::Neutron::"));
        Assert.That(neutron, Is.Not.Empty.And.All.StartsWith("OS::Neutron::"));
        Assert.That(await NamesAsync("?name=" + Uri.EscapeDataString("OS::Neutron::(Port|Net)$")), Is.EquivalentTo(new[] { "OS::Neutron::Port", "OS::Neutron::Net" }));
        Assert.That(await NamesAsync("?name=Port"), Is.Empty, "the name is matched from its start, as Heat's re.match");
        Assert.That(await NamesAsync("?support_status=SUPPORTED"), Is.EquivalentTo(all));
        Assert.That(await NamesAsync("?support_status=DEPRECATED"), Is.Empty);
        Assert.That(await NamesAsync("?version=5.0.0"), Is.Empty);

        var (status, body) = await GetAsync("/resource_types?support_status=MAYBE");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["error"]!["message"]!.ToString(), Does.Contain("support_status"));
        (status, body) = await GetAsync("/resource_types?name=" + Uri.EscapeDataString("(("));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["error"]!["type"]!.ToString(), Is.EqualTo("HTTPBadRequest"));

        (_, body) = await GetAsync("/resource_types?with_description=true&name=" + Uri.EscapeDataString("OS::Heat::Value"));
        var described = body!["resource_types"]!.AsArray().Single()!;
        Assert.That(described["resource_type"]!.ToString(), Is.EqualTo("OS::Heat::Value"));
        Assert.That(described.AsObject().ContainsKey("description"));
    }

    [Test]
    public async Task ShowGivesTheSchemaAndAnUnknownTypeIsAHeatFault()
    {
        var (status, body) = await GetAsync("/resource_types/" + Uri.EscapeDataString("OS::Cinder::Volume"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["resource_type"]!.ToString(), Is.EqualTo("OS::Cinder::Volume"));
        Assert.That(body["properties"]!["size"]!["type"]!.ToString(), Is.EqualTo("integer"));
        Assert.That(body["properties"]!["size"]!["update_allowed"]!.GetValue<bool>(), Is.True);
        Assert.That(body["attributes"]!.AsObject().ContainsKey("size"));
        Assert.That(body["support_status"]!["status"]!.ToString(), Is.EqualTo("SUPPORTED"));

        (status, body) = await GetAsync("/resource_types/" + Uri.EscapeDataString("OS::Heat::TestResource"));
        Assert.That(body!["properties"]!["value"]!["default"]!.ToString(), Is.EqualTo("test_string"));

        (status, body) = await GetAsync("/resource_types/" + Uri.EscapeDataString("OS::Nope::Thing"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body!["error"]!["message"]!.ToString(), Does.Contain("OS::Nope::Thing"));
    }

    [Test]
    public async Task TheGeneratedTemplateExposesPropertiesAsParametersAndAttributesAsOutputs()
    {
        var (status, hot) = await GetAsync("/resource_types/" + Uri.EscapeDataString("OS::Heat::TestResource") + "/template?template_type=hot");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(hot!["heat_template_version"]!.ToString(), Is.EqualTo("2016-10-14"));
        Assert.That(hot["parameters"]!["wait_secs"]!["type"]!.ToString(), Is.EqualTo("number"));
        Assert.That(hot["parameters"]!["fail"]!["type"]!.ToString(), Is.EqualTo("boolean"));
        Assert.That(hot["parameters"]!["action_wait_secs"]!["type"]!.ToString(), Is.EqualTo("json"));
        Assert.That(hot["resources"]!["TestResource"]!["type"]!.ToString(), Is.EqualTo("OS::Heat::TestResource"));
        Assert.That(hot["resources"]!["TestResource"]!["properties"]!["value"]!["get_param"]!.ToString(), Is.EqualTo("value"));
        Assert.That(hot["outputs"]!["output"]!["value"]!["get_attr"]!.ToJsonString(), Is.EqualTo("[\"TestResource\",\"output\"]"));

        // The generated template is one the engine accepts.
        var (validated, answer, _) = await Cloud.SendAsync(HttpMethod.Post, $"/orchestration/v1/{Project}/validate", Token, new JsonObject
        {
            ["template"] = hot.ToJsonString(),
            ["parameters"] = new JsonObject { ["client_name"] = "c", ["entity_name"] = "e", ["constraint_prop_secs"] = 0, ["action_wait_secs"] = "{}" },
        });
        Assert.That(validated, Is.EqualTo(HttpStatusCode.OK), answer?.ToJsonString());

        var (_, cfn) = await GetAsync("/resource_types/" + Uri.EscapeDataString("OS::Heat::TestResource") + "/template");
        Assert.That(cfn!["HeatTemplateFormatVersion"]!.ToString(), Is.EqualTo("2012-12-12"));
        Assert.That(cfn["Resources"]!["TestResource"]!["Properties"]!["value"]!["Ref"]!.ToString(), Is.EqualTo("value"));
        (status, _) = await GetAsync("/resource_types/" + Uri.EscapeDataString("OS::Heat::TestResource") + "/template?template_type=xml");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task TemplateVersionsAndTheirFunctions()
    {
        var (_, versions) = await GetAsync("/template_versions");
        var names = versions!["template_versions"]!.AsArray().Select(v => v!["version"]!.ToString()).ToList();
        Assert.That(names, Does.Contain("heat_template_version.2013-05-23").And.Contain("heat_template_version.2021-04-16"));
        var (_, functions) = await GetAsync("/template_versions/heat_template_version.2013-05-23/functions");
        var old = functions!["template_functions"]!.AsArray().Select(f => f!["functions"]!.ToString()).ToList();
        Assert.That(old, Does.Contain("get_param").And.Not.Contain("list_join"));
        (_, functions) = await GetAsync("/template_versions/heat_template_version.2021-04-16/functions?with_condition_func=true");
        Assert.That(functions!["template_functions"]!.AsArray().Select(f => f!["functions"]!.ToString()), Does.Contain("make_url").And.Contain("equals"));
        var (status, _) = await GetAsync("/template_versions/heat_template_version.1999-01-01/functions");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
