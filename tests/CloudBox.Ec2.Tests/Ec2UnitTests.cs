using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;

namespace CloudBox.Ec2.Tests;

/// <summary>Parameter parsing, filters and ids, without a cloud.</summary>
public class Ec2UnitTests
{
    [Test]
    public void FiltersMatchWithEc2sWildcards()
    {
        var filter = new Ec2Filter("tag:Name", ["web-*", "db?"]);
        Assert.Multiple(() =>
        {
            Assert.That(filter.Matches("web-1"), Is.True);
            Assert.That(filter.Matches("db1"), Is.True);
            Assert.That(filter.Matches("db12"), Is.False);
            Assert.That(filter.Matches("api"), Is.False);
            Assert.That(filter.Matches(null), Is.False);
        });
    }

    [Test]
    public void IdsAreThePrefixAnd17HexDigits()
    {
        var id = Ec2IdStore.NewId(Ec2Kind.Instance);
        Assert.That(id, Does.Match("^i-[0-9a-f]{17}$"));
        Assert.That(Ec2Kind.Instance.IsWellFormed(id), Is.True);
        Assert.That(Ec2Kind.Instance.IsWellFormed("i-1234abcd"), Is.True, "the 8-digit form ec2-api used");
        Assert.That(Ec2Kind.Instance.IsWellFormed("vol-1234abcd"), Is.False);
        Assert.That(Ec2Kind.Of("eipalloc-0123456789abcdef0"), Is.SameAs(Ec2Kind.Address));
    }

    [Test]
    public void ListsAndFiltersAreReadFromFlattenedParameters()
    {
        var request = new Ec2Request(Ec2Request.ParseForm(
            "Action=DescribeInstances&InstanceId.1=i-1&InstanceId.2=i-2&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b&Filter.2.Name=instance-state-name&Filter.2.Value.1=running"));
        Assert.That(request.Action, Is.EqualTo("DescribeInstances"));
        Assert.That(request.List("InstanceId"), Is.EqualTo(new[] { "i-1", "i-2" }));
        var filters = request.Filters();
        Assert.That(filters.Select(f => f.Name), Is.EqualTo(new[] { "tag:Name", "instance-state-name" }));
        Assert.That(filters[0].Values, Is.EqualTo(new[] { "a b" }));
    }

    [Test]
    public void ListsAreBounded()
    {
        var text = string.Join('&', Enumerable.Range(1, Ec2Request.MaxListMembers + 1).Select(i => $"InstanceId.{i}=i-{i}"));
        var request = new Ec2Request(Ec2Request.ParseForm(text));
        var error = Assert.Throws<Ec2Error>(() => request.List("InstanceId"))!;
        Assert.That(error.Code, Is.EqualTo("InvalidParameterValue"));
    }

    [Test]
    public void ErrorsAreEc2sDocument()
    {
        var xml = System.Text.Encoding.UTF8.GetString(Ec2ErrorWriter.Render(Ec2Error.NotFound(Ec2Kind.Instance.NotFoundCode, "i-0"), "req-1"));
        var document = System.Xml.Linq.XDocument.Parse(xml);
        Assert.That(document.Root!.Name.LocalName, Is.EqualTo("Response"));
        Assert.That(document.Root.Element("Errors")!.Element("Error")!.Element("Code")!.Value, Is.EqualTo("InvalidInstanceID.NotFound"));
        Assert.That(document.Root.Element("RequestID")!.Value, Is.EqualTo("req-1"));
    }
}
